/**
 * Why an XML text (an SVG) is not well-formed — a tag closed out of order or never closed, an
 * attribute without a quoted value — or null. A check for tests, not a parser: no DTDs, no CDATA.
 */
export function wellFormedProblem(xml: string): string | null {
  const open: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<([^>]*)>/g;
  for (const match of xml.matchAll(tag)) {
    const [, closing, name, , selfClosing, other] = match;
    if (other !== undefined) {
      if (other.startsWith('!--') || other.startsWith('?')) continue;
      return `not a tag: <${other.slice(0, 60)}>`;
    }
    if (closing) {
      const expected = open.pop();
      if (expected !== name) return `</${name}> closes <${expected ?? 'nothing'}>`;
    } else if (!selfClosing) open.push(name!);
  }
  return open.length ? `<${open.at(-1)}> never closed` : null;
}
