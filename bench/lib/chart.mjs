// bench/chart.svg: cold-copy time of ferry and skopeo sync per workload as a multiple of the curl write
// floor (blobs only) measured in the same run (bars), with the seconds written beside each bar; the floor
// including the manifest PUTs and the copy floor (the source's reads at the same time) for comparison. Hand-rolled SVG.
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const SERIES = [
  { key: 'floor', label: 'curl floor: blobs', color: '#9e9e9e' },
  { key: 'floorM', label: 'curl floor: blobs + manifests', color: '#cfcfcf' },
  { key: 'copy', label: 'curl copy floor: source reads + destination writes', color: '#7f7f7f' },
  { key: 'node', label: 'node floor: the copy by a bare undici client', color: '#8c6d31' },
  { key: 'ferry', label: 'ferry run', color: '#1f77b4' },
  { key: 'skopeo', label: 'skopeo sync', color: '#ff7f0e' },
];

export function chart(results) {
  const rows = results.workloads
    .filter((w) => !w.error && w.floor?.seconds > 0 && w.ferry?.cold)
    .map((w) => ({
      name: w.name,
      sub: `${w.tags.toLocaleString('en-US')} tag${w.tags === 1 ? '' : 's'}, ${w.uniqueMiB} MiB`,
      bars: {
        floor: w.floor.seconds,
        floorM: w.floor.withManifestsSeconds,
        copy: w.copyFloor?.seconds,
        node: w.nodeFloor?.seconds,
        ferry: w.ferry.cold.seconds,
        skopeo: w.skopeo?.cold?.seconds,
      },
      floor: w.floor.seconds,
      note: w.skopeo ? undefined : 'skopeo sync not run',
    }));
  const barH = 13;
  const gap = 2;
  const groupGap = 16;
  const left = 150;
  const right = 150;
  const plotW = 460;
  const top = 58;
  const groupH = SERIES.length * (barH + gap) - gap;
  const height = top + rows.length * (groupH + groupGap) + 40;
  const width = left + plotW + right;
  const maxRatio = Math.max(
    2,
    ...rows.flatMap((r) =>
      Object.values(r.bars)
        .filter(Boolean)
        .map((s) => s / r.floor),
    ),
  );
  const step = maxRatio > 12 ? 4 : maxRatio > 6 ? 2 : maxRatio > 3 ? 1 : 0.5;
  const axisMax = Math.ceil(maxRatio / step) * step;
  const x = (ratio) => left + (ratio / axisMax) * plotW;
  const o = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="18" font-size="13" font-weight="600">Cold copy time ÷ curl write floor (same run; lower is better)</text>`,
    `<text x="${left}" y="33" fill="#555">${esc(`${results.env.date.slice(0, 10)}, ${results.env.cpus} CPUs, docker-registry on loopback; seconds beside each bar`)}</text>`,
  );
  let lx = left;
  for (const s of SERIES) {
    o.push(`<rect x="${lx}" y="41" width="10" height="10" fill="${s.color}"/>`);
    o.push(`<text x="${lx + 14}" y="50">${esc(s.label)}</text>`);
    lx += 14 + s.label.length * 6 + 18;
  }
  for (let t = 0; t <= axisMax + 1e-9; t += step) {
    const gx = x(t);
    o.push(
      `<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${height - 34}" stroke="${t === 0 ? '#333' : '#e3e3e3'}"/>`,
    );
    o.push(`<text x="${gx}" y="${height - 22}" text-anchor="middle" fill="#555">${+t.toFixed(2)}×</text>`);
  }
  const target = x(1.25);
  o.push(
    `<line x1="${target}" y1="${top - 4}" x2="${target}" y2="${height - 34}" stroke="#2ca02c" stroke-dasharray="4 3"/>`,
    `<text x="${target + 3}" y="${height - 8}" fill="#2ca02c">1.25× target</text>`,
  );
  rows.forEach((r, i) => {
    const gy = top + i * (groupH + groupGap);
    o.push(
      `<text x="${left - 8}" y="${gy + groupH / 2 - 1}" text-anchor="end" font-weight="600">${esc(r.name)}</text>`,
    );
    o.push(`<text x="${left - 8}" y="${gy + groupH / 2 + 12}" text-anchor="end" fill="#555">${esc(r.sub)}</text>`);
    SERIES.forEach((s, j) => {
      const y = gy + j * (barH + gap);
      const sec = r.bars[s.key];
      if (sec === undefined) {
        o.push(`<text x="${left + 4}" y="${y + barH - 3}" fill="#888">${esc(r.note ?? 'not run')}</text>`);
        return;
      }
      const ratio = sec / r.floor;
      o.push(
        `<rect x="${left}" y="${y}" width="${Math.max(1, x(ratio) - left).toFixed(1)}" height="${barH}" fill="${s.color}"><title>${esc(`${r.name} ${s.label}: ${sec.toFixed(2)} s, ${ratio.toFixed(2)}× floor`)}</title></rect>`,
      );
      o.push(
        `<text x="${(x(ratio) + 4).toFixed(1)}" y="${y + barH - 3}">${ratio.toFixed(2)}× · ${sec < 10 ? sec.toFixed(2) : sec.toFixed(1)} s</text>`,
      );
    });
  });
  o.push('</svg>', '');
  return o.join('\n');
}
