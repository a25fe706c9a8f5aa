/** A few SVG primitives for the docs' diagrams: text only, no dependency, nothing fetched. */
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const COLORS = {
  ink: '#1f2933',
  muted: '#52606d',
  line: '#9aa5b1',
  brand: '#3c6e71',
  brandSoft: '#d9e7e7',
  box: '#f5f7fa',
  good: '#d8f0dc',
  warn: '#fdf3c4',
  call: '#fde0c2',
  bad: '#f8c9c4',
  worst: '#e9a8a8',
};

export function svg(width, height, title, body) {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="t" font-family="Inter, 'DejaVu Sans', Arial, sans-serif" font-size="13">
<title id="t">${esc(title)}</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${COLORS.muted}"/></marker></defs>
<rect width="100%" height="100%" fill="#ffffff"/>
${body}
</svg>
`;
}

export function text(x, y, s, { size = 13, anchor = 'middle', weight = 'normal', fill = COLORS.ink, italic = false } = {}) {
  return `<text x="${x}" y="${y}" text-anchor="${anchor}" font-size="${size}" font-weight="${weight}" fill="${fill}"${italic ? ' font-style="italic"' : ''}>${esc(s)}</text>`;
}

/** A rounded box with centred lines of text. */
export function box(x, y, w, h, lines, { fill = COLORS.box, stroke = COLORS.line, bold = true } = {}) {
  const list = Array.isArray(lines) ? lines : [lines];
  const top = y + h / 2 - ((list.length - 1) * 16) / 2 + 4;
  const label = list
    .map((l, i) =>
      text(x + w / 2, top + i * 16, l, { weight: i === 0 && bold ? 'bold' : 'normal', fill: i === 0 ? COLORS.ink : COLORS.muted, size: i === 0 ? 13 : 12 }),
    )
    .join('');
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="8" fill="${fill}" stroke="${stroke}"/>${label}`;
}

export function arrow(x1, y1, x2, y2, label, { dashed = false, labelDx = 0, labelDy = -6 } = {}) {
  const line = `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${COLORS.muted}" stroke-width="1.5" marker-end="url(#arrow)"${dashed ? ' stroke-dasharray="5 4"' : ''}/>`;
  return label ? line + text((x1 + x2) / 2 + labelDx, (y1 + y2) / 2 + labelDy, label, { size: 11, fill: COLORS.muted }) : line;
}

export function path(d, { stroke = COLORS.muted, width = 1.5, dashed = false, fill = 'none', marker = true } = {}) {
  return `<path d="${d}" fill="${fill}" stroke="${stroke}" stroke-width="${width}"${dashed ? ' stroke-dasharray="5 4"' : ''}${marker ? ' marker-end="url(#arrow)"' : ''}/>`;
}
