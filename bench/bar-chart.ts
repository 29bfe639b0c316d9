// Grouped bar charts for the benchmarks' figures: an SVG drawn here, rasterised to PNG by resvg (a Rust renderer
// shipped prebuilt inside its npm package, so nothing is downloaded at run time and no browser is needed).
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

export interface Series {
  name: string;
  values: number[];
}

export interface Panel {
  title: string;
  unit: string;
  categories: string[];
  series: Series[];
  /** Values that span orders of magnitude (1 MiB keys against 32 B ones) need a log axis to stay visible. */
  log: boolean;
}

const WIDTH = 960;
const PANEL_HEIGHT = 340;
const MARGIN = { left: 90, right: 20, top: 50, bottom: 60 };
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];
const FONT = 'font-family="DejaVu Sans, sans-serif"';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function formatValue(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value >= 10 ? value.toFixed(1) : value.toPrecision(2);
}

/** A round step (1, 2 or 5 times a power of ten) that cuts 0..max into at most about five parts. */
function roundStep(max: number): number {
  const power = 10 ** Math.floor(Math.log10(max / 5));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => max / step <= 5) ?? power * 10;
}

/** Axis ticks: powers of ten on a log axis, round steps on a linear one. */
function ticks(max: number, min: number, log: boolean): number[] {
  if (!log) {
    const step = roundStep(max);
    return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
  }
  const out: number[] = [];
  for (let exponent = Math.floor(Math.log10(min)); 10 ** exponent <= max * 1.0001; exponent++) out.push(10 ** exponent);
  return out;
}

function panelSvg(panel: Panel, top: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = panel.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const rawMax = Math.max(...values, 1e-9);
  const max = panel.log ? 10 ** Math.ceil(Math.log10(rawMax)) : rawMax * 1.15;
  const min = panel.log ? 10 ** Math.floor(Math.log10(Math.min(...values, rawMax))) : 0;
  const y = (value: number) => {
    const share = panel.log ? (Math.log10(Math.max(value, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min) || 1) : value / max;
    return top + MARGIN.top + plotHeight * (1 - share);
  };
  const parts = [
    `<text x="${WIDTH / 2}" y="${top + 28}" text-anchor="middle" font-size="18" ${FONT}>${escapeXml(panel.title)}</text>`,
    `<text x="20" y="${top + MARGIN.top + plotHeight / 2}" font-size="13" ${FONT} transform="rotate(-90 20 ${top + MARGIN.top + plotHeight / 2})" text-anchor="middle">${escapeXml(panel.unit)}${panel.log ? ' (log scale)' : ''}</text>`,
  ];
  for (const tick of ticks(max, min, panel.log)) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 8}" y="${y(tick) + 4}" text-anchor="end" font-size="12" ${FONT}>${formatValue(tick)}</text>`,
    );
  }
  const groupWidth = plotWidth / panel.categories.length;
  const barWidth = (groupWidth * 0.7) / panel.series.length;
  panel.categories.forEach((category, c) => {
    const groupLeft = MARGIN.left + c * groupWidth + groupWidth * 0.15;
    parts.push(`<text x="${groupLeft + groupWidth * 0.35}" y="${top + PANEL_HEIGHT - MARGIN.bottom + 20}" text-anchor="middle" font-size="13" ${FONT}>${escapeXml(category)}</text>`);
    panel.series.forEach((series, s) => {
      const value = series.values[c] ?? NaN;
      if (!Number.isFinite(value)) return;
      const x = groupLeft + s * barWidth;
      const barTop = y(value);
      parts.push(
        `<rect x="${x}" y="${barTop}" width="${barWidth - 2}" height="${y(min) - barTop}" fill="${COLOURS[s % COLOURS.length]}"/>`,
        `<text x="${x + barWidth / 2}" y="${barTop - 4}" text-anchor="middle" font-size="11" ${FONT}>${formatValue(value)}</text>`,
      );
    });
  });
  panel.series.forEach((series, s) => {
    const x = MARGIN.left + s * 260;
    const legendY = top + PANEL_HEIGHT - 18;
    parts.push(
      `<rect x="${x}" y="${legendY - 11}" width="14" height="14" fill="${COLOURS[s % COLOURS.length]}"/>`,
      `<text x="${x + 20}" y="${legendY}" font-size="13" ${FONT}>${escapeXml(series.name)}</text>`,
    );
  });
  return parts.join('\n');
}

/** The panels one above the other, as a PNG at `file`. */
export function writeBarChartPng(file: string, panels: Panel[]): void {
  const height = PANEL_HEIGHT * panels.length;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels.map((panel, i) => panelSvg(panel, i * PANEL_HEIGHT)),
    '</svg>',
  ].join('\n');
  writeFileSync(file, new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng());
}
