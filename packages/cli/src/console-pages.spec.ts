import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { judgeService } from '@distillery/judge';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { eventually } from '@distillery/testing';
import { ConsoleModule, LiveRunBoard, type StudentAgents } from '@distillery/console';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HOSTILE = `<script>alert("pwned")</script><img src=x onerror='alert(1)'> & more`;
const HOSTILE_ESCAPED = '&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt; &amp; more';

/** Whether the page carries the hostile text as markup anywhere. */
function carriesMarkup(page: string): boolean {
  return page.includes('<script>alert') || page.includes('<img src=x');
}

/**
 * The console's controllers in a real embedded platform (the agents and the judge, PGlite, the
 * artifact store): hostile text from a manifest, a customer and a stage name is escaped on every
 * page; an unknown run, manifest, session or turn is a 404 that names it; a bad query parameter a
 * 400 that names the parameter.
 */
describe('the console, against the agents and the judge embedded', () => {
  let app: RunningApp;
  let dataDir: string;
  const board = new LiveRunBoard();
  const get = async (path: string) => {
    const response = await fetch(`${app.url}${path}`);
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  };
  const chat = async (message: Record<string, unknown>) => {
    const response = await fetch(`${app.url}/console/chat/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-console-spec-'));
    app = await startApp([agentsService, judgeService], {
      name: 'console-spec',
      defaultPort: 0,
      env: { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()) },
      modules: [ConsoleModule.forRoot({ liveRun: { runId: 'run_live', board } })],
    });
    const { artifacts } = app.platform;
    const report = await artifacts.put(`<html><body><h1>report of run_old</h1></body></html>`, { kind: 'report' });
    await artifacts.putManifest({ id: 'camp_1', kind: 'campaign', createdAt: '2026-12-06T10:00:00Z', createdBy: 'simulator', files: {}, attributes: { note: HOSTILE } });
    await artifacts.putManifest({ id: 'ds_1', kind: 'dataset', createdAt: '2026-12-06T10:05:00Z', createdBy: 'curator', files: {}, parents: [{ kind: 'campaign', id: 'camp_1' }, { kind: 'traces', id: 'ds_1.traces' }], metrics: { rows: 12 }, attributes: { note: HOSTILE } });
    await artifacts.putManifest({ id: 'run_old', kind: 'run', createdAt: '2026-12-06T11:00:00Z', createdBy: 'distillery-cli', files: { 'report.html': report }, attributes: { mode: HOSTILE, stagesRun: [HOSTILE, 'agents/pipeline'], stagesMissing: [] } });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists the runs newest first with their stages, escaping what a manifest holds', async () => {
    const runs = await get('/console');
    expect(runs.status).toBe(200);
    expect(runs.type).toMatch(/^text\/html/);
    expect(runs.text).toContain('run_old');
    expect(carriesMarkup(runs.text)).toBe(false);
    const run = await get('/console/runs/run_old');
    expect(run.status).toBe(200);
    expect(run.text).toContain(`<li>${HOSTILE_ESCAPED}</li>`);
    expect(carriesMarkup(run.text)).toBe(false);
  });

  it('serves a run report as text/html from the artifact store, and names a file it does not keep', async () => {
    const report = await get('/console/runs/run_old/report.html');
    expect(report.status).toBe(200);
    expect(report.type).toMatch(/^text\/html/);
    expect(report.text).toBe('<html><body><h1>report of run_old</h1></body></html>');
    const missing = await get('/console/runs/run_old/report.md');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('run &quot;run_old&quot; has no &quot;report.md&quot; (it keeps report.html)');
  });

  it('shows the live run as its progress printer writes it, and as finished once its manifest is stored', async () => {
    board.begin(1, 3, `platform ${HOSTILE}`);
    board.finish(1, '8 services up');
    board.begin(2, 3, 'simulator: a campaign');
    const live = await get('/console/live');
    expect(live.text).toContain('data-state="running"');
    expect(live.text).toContain(`platform ${HOSTILE_ESCAPED}`);
    expect(live.text).toContain('8 services up');
    expect(live.text).toMatch(/running for \d+\.\d s/);
    expect(carriesMarkup(live.text)).toBe(false);
    expect((await get('/console')).text).toContain('<section id="live" data-source="/console/live">');

    await app.platform.artifacts.putManifest({ id: 'run_live', kind: 'run', createdAt: '2026-12-06T12:00:00Z', createdBy: 'distillery-cli', files: {}, attributes: {} });
    const finished = await get('/console/live');
    expect(finished.text).toContain('data-state="finished"');
    expect(finished.text).toContain('href="/console/runs/run_live"');
  });

  it('lists datasets with their lineage and problems; a manifest page walks the lineage both ways', async () => {
    const list = await get('/console/artifacts');
    expect(list.status).toBe(200);
    expect(list.text).toContain('← campaign camp_1');
    expect(list.text).toContain('lineage problems: missing traces ds_1.traces');
    const dataset = await get('/console/artifacts/dataset/ds_1');
    expect(dataset.text).toContain('<a href="/console/artifacts/campaign/camp_1">campaign camp_1</a>');
    expect(dataset.text).toContain('Lineage problems: missing traces ds_1.traces');
    expect(carriesMarkup(dataset.text)).toBe(false);
    const campaign = await get('/console/artifacts/campaign/camp_1');
    expect(campaign.text).toContain('<a href="/console/artifacts/dataset/ds_1">dataset ds_1</a>');
    expect((await get('/console/artifacts?kind=campaign')).text).not.toContain('ds_1');
  });

  it('sends a chat message to the agents and shows the turn, its trace and the judge\'s verdicts, every customer word escaped', async () => {
    const answer = await chat({ backend: 'teacher', text: `Do you have a RAV4? ${HOSTILE}` });
    expect(answer.status).toBe(200);
    const { sessionId, turnId, reply } = answer.body as { sessionId: string; turnId: string; reply: string };
    expect(reply.length).toBeGreaterThan(0);

    const conversation = await get(`/console/chat?session=${sessionId}`);
    expect(conversation.status).toBe(200);
    expect(conversation.text).toContain(`Do you have a RAV4? ${HOSTILE_ESCAPED}`);
    expect(conversation.text).toContain('Trace of the last turn');
    expect(conversation.text).toContain('value="student" disabled');
    expect(carriesMarkup(conversation.text)).toBe(false);

    const sessions = await get('/console/traces');
    expect(sessions.text).toContain(`href="/console/traces/${sessionId}"`);
    expect((await get(`/console/traces/${sessionId}`)).text).toContain(`href="/console/traces/${sessionId}/turns/${turnId}"`);
    await eventually(async () => (await get(`/console/traces/${sessionId}/turns/${turnId}`)).text.includes('judge (reference/'), 'the judge\'s verdicts on the turn', 60_000, 200);
    const turn = await get(`/console/traces/${sessionId}/turns/${turnId}`);
    expect(turn.status).toBe(200);
    for (const agent of ['understander', 'planner', 'explainer']) expect(turn.text).toContain(`<h3>${agent}`);
    expect(turn.text).toMatch(/class="verdict-(accepted|corrected|rejected)"/);
    expect(turn.text).toContain('<h2>Plan</h2>');
    expect(carriesMarkup(turn.text)).toBe(false);

    const again = await chat({ backend: 'teacher', text: 'And a Civic?', sessionId });
    expect(again.status).toBe(200);
    expect(again.body.sessionId).toBe(sessionId);
  }, 120_000);

  it.each([
    ['/console/runs/run_nope', 'no run &quot;run_nope&quot; in the artifact store'],
    ['/console/artifacts/dataset/ds_nope', 'no &quot;dataset&quot; manifest &quot;ds_nope&quot; in the artifact store'],
    ['/console/traces/sess_nope', 'no session &quot;sess_nope&quot; in the agents&#39; store'],
    ['/console/traces/sess_nope/turns/turn_nope', 'no turn &quot;turn_nope&quot; in session &quot;sess_nope&quot;'],
    ['/console/chat?session=sess_nope', 'no session &quot;sess_nope&quot; in the agents&#39; store'],
  ])('answers %s with a 404 page naming what is missing', async (path, message) => {
    const page = await get(path);
    expect(page.status).toBe(404);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.text).toContain(`<p class="problem" id="error-message">${message}</p>`);
  });

  it.each([
    ['/console/traces?limit=abc', 'limit: expected a whole number from 1 to 500, got &quot;abc&quot;'],
    ['/console/traces?limit=0', 'limit: expected a whole number from 1 to 500'],
    ['/console/traces?offset=-1', 'offset: expected a whole number from 0'],
    ['/console/traces?campaign=%3Cscript%3E', 'campaign: expected an id'],
    ['/console/artifacts?kind=robots', 'kind: expected one of the kinds in the store (dataset, campaign), got &quot;robots&quot;'],
    ['/console/chat?backend=robot', 'backend: expected one of teacher, student, got &quot;robot&quot;'],
  ])('answers %s with a 400 page naming the parameter', async (path, message) => {
    const page = await get(path);
    expect(page.status).toBe(400);
    expect(page.text).toContain(message);
    expect(carriesMarkup(page.text)).toBe(false);
  });

  it('answers the browser\'s /favicon.ico with an empty 204, so a report page logs no failed request', async () => {
    const icon = await get('/favicon.ico');
    expect({ status: icon.status, text: icon.text }).toEqual({ status: 204, text: '' });
  });

  it('answers a chat message it cannot send with a 400 JSON body naming the field', async () => {
    expect(await chat({ backend: 'teacher', text: '  ' })).toEqual({ status: 400, body: { statusCode: 400, message: "text: expected the customer's message, 1 to 2000 characters" } });
    const student = await chat({ backend: 'student', text: 'hello' });
    expect(student.status).toBe(400);
    expect(student.body.message).toBe("backend: no student: this console was not given the student's agents (`distillery console` offers them once the serving service serves a student)");
    expect((await chat({ backend: 'teacher', text: 'hello', sessionId: '../../etc' })).body.message).toMatch(/^sessionId: expected an id/);
    const unknown = await chat({ backend: 'teacher', text: 'hello', sessionId: 'sess_nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/^the teacher's agents have no session "sess_nope"/);
  });
});

/**
 * The chat's student: the console talks to the agents it is given for the student over gRPC, and
 * shows the conversation and the last turn's trace from them (their store is not the platform's).
 * Here a second agents service stands at that address; what backend it runs on is its own affair.
 */
describe("the console's chat with the student's agents", () => {
  let app: RunningApp;
  let studentAgents: RunningApp;
  let dataDirs: string[];
  let studentPort: number;
  let closed = 0;
  const post = async (message: Record<string, unknown>) => {
    const response = await fetch(`${app.url}/console/chat/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dataDirs = [await mkdtemp(join(tmpdir(), 'distillery-console-student-')), await mkdtemp(join(tmpdir(), 'distillery-console-platform-'))];
    studentPort = await freePort();
    studentAgents = await startApp([agentsService], { name: 'student-agents', defaultPort: 0, env: { DISTILLERY_DATA_DIR: dataDirs[0]!, DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_AGENTS_GRPC_PORT: String(studentPort) } });
    const student: StudentAgents = {
      unavailable: async () => undefined,
      connect: async () => ({ address: `127.0.0.1:${studentPort}`, apiKey: 'dev-key' }),
      close: async () => void closed++,
    };
    app = await startApp([agentsService, judgeService], {
      name: 'console-student-spec',
      defaultPort: 0,
      env: { DISTILLERY_DATA_DIR: dataDirs[1]!, DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()) },
      modules: [ConsoleModule.forRoot({ student })],
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await studentAgents?.close();
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  });

  it("sends the message to the student's agents, not the platform's, and shows the conversation and its last trace escaped", async () => {
    const first = await post({ backend: 'student', text: `Any RAV4? ${HOSTILE}` });
    expect(first.status).toBe(200);
    const { sessionId } = first.body as { sessionId: string };
    // The session lives in the student's agents: the platform's traces browser does not know it.
    expect((await fetch(`${app.url}/console/traces/${sessionId}`)).status).toBe(404);
    const again = await post({ backend: 'student', text: 'And a Civic?', sessionId });
    expect(again.body.sessionId).toBe(sessionId);

    const page = await (await fetch(`${app.url}/console/chat?backend=student&session=${sessionId}`)).text();
    expect(page).toContain(`Any RAV4? ${HOSTILE_ESCAPED}`);
    expect(page).toContain('And a Civic?');
    expect(page).toContain('value="student" checked');
    expect(page).toContain('Trace of the last turn');
    expect(page).toContain('<pre id="user-message">And a Civic?</pre>');
    expect(page).toContain("No verdicts: the student&#39;s turns are not sent to the judge.");
    expect(page).toContain('<h3>understander');
    expect(carriesMarkup(page)).toBe(false);
  });

  it("answers a session the student's agents do not know with a 404 naming it", async () => {
    const response = await fetch(`${app.url}/console/chat?backend=student&session=sess_nope`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('the student&#39;s agents have no session &quot;sess_nope&quot;');
  });

  it("stops the student's agents with the console", async () => {
    await app.close();
    expect(closed).toBe(1);
  });
});
