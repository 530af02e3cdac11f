/**
 * Inline SVG charts for the HTML report: no scripts, no fonts, no external references, so the file
 * renders the same offline, in a mail client's viewer or in a headless browser.
 */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Vertical bars over time; one per bucket. Labels: first/last bucket time and the maximum. */
export function timelineSvg(title: string, counts: number[], startLabel: string, endLabel: string): string {
  const W = 720;
  const H = 140;
  const pad = { l: 44, r: 8, t: 22, b: 22 };
  const max = Math.max(1, ...counts);
  const n = Math.max(1, counts.length);
  const bw = (W - pad.l - pad.r) / n;
  const ih = H - pad.t - pad.b;
  const bars = counts
    .map((v, i) => {
      if (!v) return '';
      const h = Math.max(1, (v / max) * ih);
      return `<rect class="bar" data-value="${v}" x="${(pad.l + i * bw).toFixed(2)}" y="${(pad.t + ih - h).toFixed(2)}" width="${Math.max(0.5, bw - 1).toFixed(2)}" height="${h.toFixed(2)}"><title>${v}</title></rect>`;
    })
    .join('');
  return (
    `<svg class="chart timeline" data-fs="${esc(title)}" data-total="${counts.reduce((a, b) => a + b, 0)}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">` +
    `<text x="${pad.l}" y="14" class="t">${esc(title)}</text>` +
    `<line x1="${pad.l}" y1="${pad.t + ih}" x2="${W - pad.r}" y2="${pad.t + ih}" class="axis"/>` +
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${pad.t + ih}" class="axis"/>` +
    `<text x="${pad.l - 4}" y="${pad.t + 8}" text-anchor="end" class="l">${max}</text>` +
    `<text x="${pad.l - 4}" y="${pad.t + ih}" text-anchor="end" class="l">0</text>` +
    bars +
    `<text x="${pad.l}" y="${H - 6}" class="l">${esc(startLabel)}</text>` +
    `<text x="${W - pad.r}" y="${H - 6}" text-anchor="end" class="l">${esc(endLabel)}</text>` +
    `</svg>`
  );
}

/** Horizontal bars, one row per label, value printed at the end of the bar. */
export function barSvg(title: string, rows: { key: string; count: number }[]): string {
  const W = 520;
  const row = 22;
  const labelW = 150;
  const H = 26 + Math.max(1, rows.length) * row;
  const max = Math.max(1, ...rows.map((r) => r.count));
  const bars = rows
    .map((r, i) => {
      const y = 24 + i * row;
      const w = Math.max(1, (r.count / max) * (W - labelW - 60));
      return (
        `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" class="l">${esc(r.key.length > 22 ? r.key.slice(0, 21) + '…' : r.key)}</text>` +
        `<rect class="bar" data-key="${esc(r.key)}" data-value="${r.count}" x="${labelW}" y="${y + 2}" width="${w.toFixed(2)}" height="${row - 6}"><title>${esc(r.key)}: ${r.count}</title></rect>` +
        `<text x="${labelW + w + 4}" y="${y + 14}" class="l">${r.count}</text>`
      );
    })
    .join('');
  return `<svg class="chart bars" data-title="${esc(title)}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg"><text x="4" y="14" class="t">${esc(title)}</text>${bars || `<text x="${labelW}" y="40" class="l">no errors</text>`}</svg>`;
}
