// The benchmark chart as a self-contained SVG, drawn from the results: grouped bar
// panels side by side. No dependencies; fonts fall back to the viewer's sans-serif.

const PANEL_WIDTH = 330;
const PANEL_HEIGHT = 300;
const MARGIN = { top: 58, right: 12, bottom: 46, left: 48 };

const escapeXml = (text) => String(text).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
const fmt = (value) => (value >= 100 ? Math.round(value).toString() : value >= 10 ? value.toFixed(1) : value.toFixed(2));

/** A "nice" axis maximum and step: 1, 2 or 5 times a power of ten. */
function niceScale(max) {
  const rough = max / 4 || 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  return { step, top: Math.ceil(max / step) * step || step };
}

function text(x, y, content, attributes = '') {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`;
}

/** One panel: `categories` along x, one bar per series in each category. */
function panel({ title, subtitle, categories, series, unit }, originX) {
  const plotW = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = series.flatMap((s) => s.values).filter(Number.isFinite);
  const { step, top } = niceScale(Math.max(...values, 0));
  const y = (value) => MARGIN.top + plotH - (value / top) * plotH;
  const out = [`<g transform="translate(${originX},0)">`];
  out.push(text(MARGIN.left, 20, title, 'font-size="14" font-weight="bold"'));
  if (subtitle) out.push(text(MARGIN.left, 36, subtitle, 'font-size="10" fill="#555"'));
  for (let tick = 0; tick <= top + step / 2; tick += step) {
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e3e3e3"/>`);
    out.push(text(MARGIN.left - 4, y(tick) + 3, Number(tick.toPrecision(6)).toString(), 'font-size="9" text-anchor="end" fill="#555"'));
  }
  out.push(text(12, MARGIN.top + plotH / 2, unit, `font-size="10" fill="#555" text-anchor="middle" transform="rotate(-90 12 ${MARGIN.top + plotH / 2})"`));
  const groupW = plotW / categories.length;
  const barW = Math.min(26, (groupW * 0.8) / series.length);
  categories.forEach((category, c) => {
    const groupX = MARGIN.left + c * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, i) => {
      const value = s.values[c];
      if (!Number.isFinite(value)) return;
      const x = groupX + i * barW;
      out.push(`<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(MARGIN.top + plotH - y(value)).toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${s.name}, ${category}: ${fmt(value)} ${unit}`)}</title></rect>`);
      out.push(text(x + (barW - 2) / 2, y(value) - 3, fmt(value), 'font-size="8" text-anchor="middle" fill="#333"'));
    });
    out.push(text(MARGIN.left + c * groupW + groupW / 2, MARGIN.top + plotH + 14, category, 'font-size="10" text-anchor="middle"'));
  });
  out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#888"/>`);
  series.forEach((s, i) => {
    const lx = MARGIN.left + (i % 2) * (plotW / 2);
    const ly = PANEL_HEIGHT - 20 + Math.floor(i / 2) * 12;
    out.push(`<rect x="${lx}" y="${ly - 8}" width="9" height="9" fill="${s.color}"/>`);
    out.push(text(lx + 13, ly, s.name, 'font-size="10"'));
  });
  out.push('</g>');
  return out.join('\n');
}

/** @param {{ title: string, footnote: string, panels: object[] }} chart */
export function renderChart({ title, footnote, panels }) {
  const width = PANEL_WIDTH * panels.length;
  const height = PANEL_HEIGHT + 44;
  const body = panels.map((p, i) => panel(p, i * PANEL_WIDTH)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${text(12, height - 24, title, 'font-size="11" font-weight="bold"')}
${text(12, height - 10, footnote, 'font-size="9" fill="#555"')}
<g transform="translate(0,0)">
${body}
</g>
</svg>
`;
}
