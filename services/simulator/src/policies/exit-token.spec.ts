import { describe, expect, it } from 'vitest';
import { cleanUtterance, readExit } from './exit-token.js';
import { simulatorMessages } from './simulator-prompt.js';

describe('readExit', () => {
  it('finds EXIT with its reason, goal_reached when none is named', () => {
    expect(readExit('EXIT goal_reached')).toEqual({ reason: 'goal_reached' });
    expect(readExit('  EXIT: gave_up ')).toEqual({ reason: 'gave_up' });
    expect(readExit('EXIT=handed_off')).toEqual({ reason: 'handed_off' });
    expect(readExit('EXIT - max_turns')).toEqual({ reason: 'max_turns' });
    expect(readExit('EXIT')).toEqual({ reason: 'goal_reached' });
    expect(readExit('EXIT because I am bored')).toEqual({ reason: 'goal_reached' });
  });

  it('reads a goodbye followed by EXIT as an exit', () => {
    expect(readExit('Thanks, bye! EXIT goal_reached')).toEqual({ reason: 'goal_reached' });
    expect(readExit('ok thanks\nEXIT handed_off')).toEqual({ reason: 'handed_off' });
  });

  it('reads no exit in an ordinary utterance', () => {
    expect(readExit('where is the exit of the lot?')).toBeUndefined();
    expect(readExit('EXITING soon, can you hurry?')).toBeUndefined();
    expect(readExit('NEXIT is a brand?')).toBeUndefined();
  });
});

describe('cleanUtterance', () => {
  it('drops a speaker label and surrounding quotes', () => {
    expect(cleanUtterance('Customer: "any SUVs under 30k?"')).toBe('any SUVs under 30k?');
    expect(cleanUtterance('  user:  hello  ')).toBe('hello');
    expect(cleanUtterance('“book it for friday”')).toBe('book it for friday');
    expect(cleanUtterance('""')).toBe('');
    expect(cleanUtterance('he said "hi" to me')).toBe('he said "hi" to me');
  });

  it('replaces what the agents would refuse (NUL, other control characters, lone surrogates) with U+FFFD', () => {
    expect(cleanUtterance('any\u0000 SUVs\u001B under\uD800 30k? 😀')).toBe('any\uFFFD SUVs\uFFFD under\uFFFD 30k? 😀');
    expect(cleanUtterance('line one\nline two\ttab')).toBe('line one\nline two\ttab');
  });
});

describe('simulatorMessages', () => {
  it('turns the history around: the customer speaks as the assistant, the agents as the user', () => {
    expect(simulatorMessages('SYSTEM', [{ user: 'hi', reply: 'Hello!' }], 'nudge')).toEqual([
      { role: 'system', content: 'SYSTEM' },
      { role: 'user', content: '(The chat opens. Write your first message to the assistant.)' },
      { role: 'assistant', content: 'hi' },
      { role: 'user', content: 'Hello!' },
      { role: 'user', content: 'nudge' },
    ]);
  });
});
