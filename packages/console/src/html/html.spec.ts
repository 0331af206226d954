import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml } from './html.js';

describe('html', () => {
  it('escapes every interpolated text: tags, both quotes, ampersands and backticks', () => {
    const hostile = `<script>alert("x")</script> & 'y' \`z\``;
    expect(html`<td title="${hostile}">${hostile}</td>`.text).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;z&#96;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;z&#96;</td>',
    );
  });

  it('keeps markup it made itself, escapes inside lists, prints nothing for null, undefined and false', () => {
    const items = ['<b>', 'a&b'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.text).toBe('<ul><li>&lt;b&gt;</li><li>a&amp;b</li></ul>0');
  });

  it('does not trust a string that looks like markup, only SafeHtml', () => {
    expect(html`${'<i>x</i>'}`.text).toBe('&lt;i&gt;x&lt;/i&gt;');
    expect(html`${new SafeHtml('<i>x</i>')}`.text).toBe('<i>x</i>');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });
});
