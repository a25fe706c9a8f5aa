/**
 * The site's diagrams, written as SVG into public/diagrams/ on every build. The risk chart is
 * computed with the engine's own `riskReport` (@kestrel/core) on the devnet's parameters, so it
 * moves if the model does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arrow, box, COLORS, path, svg, text } from './svg.mjs';

function architecture() {
  const b = [];
  b.push(box(20, 30, 150, 56, ['Apps and bots', '@kestrel/sdk · curl']));
  b.push(box(20, 150, 150, 56, ['Wallet', 'EIP-712 signatures']));
  b.push(arrow(95, 150, 95, 88, 'signs', { labelDx: 22, labelDy: 4 }));
  // the node
  b.push(`<rect x="220" y="14" width="420" height="250" rx="12" fill="${COLORS.brandSoft}" stroke="${COLORS.brand}"/>`);
  b.push(text(430, 36, 'Kestrel node (sequencer)', { weight: 'bold', fill: COLORS.brand }));
  b.push(box(240, 50, 130, 50, ['Node API', 'REST /v1 · WebSocket']));
  b.push(box(400, 50, 110, 50, ['Admission', 'signature, limits']));
  b.push(box(530, 50, 95, 50, ['Mempool']));
  b.push(box(400, 130, 110, 50, ['Sequencer', 'batch every tick']));
  b.push(box(530, 130, 95, 50, ['Engine', 'match · risk']));
  b.push(box(400, 200, 225, 50, ['Store', 'batches · state hash']));
  b.push(arrow(170, 58, 238, 70, 'HTTP'));
  b.push(arrow(370, 75, 398, 75));
  b.push(arrow(510, 75, 528, 75));
  b.push(arrow(577, 100, 470, 128));
  b.push(arrow(510, 155, 528, 155));
  b.push(arrow(577, 180, 577, 198));
  b.push(path('M305,100 L305,225 L398,225'));
  b.push(text(330, 190, 'reads', { size: 11, fill: COLORS.muted }));
  // other nodes
  b.push(box(700, 40, 170, 56, ['Follower nodes', 'replay · same state hash']));
  b.push(path('M625,75 C660,70 670,68 698,68', {}));
  b.push(text(662, 58, 'gossip', { size: 11, fill: COLORS.muted }));
  b.push(text(662, 112, 'orders, batches (libp2p)', { size: 11, fill: COLORS.muted }));
  // chain
  b.push(box(700, 170, 170, 70, ['Exchange contract', 're-checks every batch', 'deposits · withdrawals']));
  b.push(arrow(625, 225, 698, 210, 'settle'));
  // the wallet's own transactions pass beside the node, under its box
  b.push(path('M95,206 L95,282 L800,282 L800,242', { dashed: true }));
  b.push(text(440, 298, 'deposits, withdrawals, hard cancels and the escape hatch: transactions straight to the chain', { size: 11, fill: COLORS.muted }));
  b.push(arrow(785, 96, 785, 168, 'audit', { labelDx: 20, labelDy: 4 }));
  return svg(
    890,
    300,
    'Architecture: clients sign orders and send them to a node; the sequencer batches, matches and gossips; batches settle on the Exchange contract',
    b.join('\n'),
  );
}

function orderLifecycle() {
  const b = [];
  b.push(text(20, 24, 'Order', { anchor: 'start', weight: 'bold', size: 15 }));
  b.push(box(20, 50, 110, 44, ['pending', 'in the mempool'], { bold: true }));
  b.push(box(200, 50, 110, 44, ['open', 'rests on the book'], { fill: COLORS.good }));
  b.push(box(380, 50, 140, 44, ['partially_filled', 'rests, part filled'], { fill: COLORS.good }));
  b.push(box(600, 20, 110, 44, ['filled'], { fill: COLORS.brandSoft }));
  b.push(box(600, 80, 110, 44, ['cancelled', 'by you or IOC rest'], { fill: COLORS.warn }));
  b.push(box(600, 140, 110, 44, ['expired', 'past its expiry'], { fill: COLORS.warn }));
  b.push(box(200, 140, 110, 44, ['rejected', 'refused in batch'], { fill: COLORS.bad }));
  b.push(arrow(130, 72, 198, 72, 'batch'));
  b.push(arrow(310, 72, 378, 72, 'fill'));
  b.push(arrow(520, 62, 598, 45));
  b.push(arrow(520, 75, 598, 100));
  b.push(arrow(520, 85, 598, 158));
  b.push(arrow(75, 94, 198, 160));
  b.push(path('M130,60 C260,0 480,0 598,38', { dashed: true }));
  b.push(text(360, 16, 'filled at once by its batch', { size: 11, fill: COLORS.muted }));
  b.push(path('M255,94 C300,110 520,110 598,105', { dashed: true }));

  b.push(text(20, 240, 'Batch', { anchor: 'start', weight: 'bold', size: 15 }));
  const steps = [
    ['proposed', 'sequencer cuts it'],
    ['applied', 'engine, state hash'],
    ['submitted', 'sent to the Exchange'],
    ['settled', 'contract re-checked'],
    ['audited', 'followers agree'],
  ];
  steps.forEach(([name, note], i) => {
    b.push(box(20 + i * 145, 260, 120, 44, [name, note], { fill: i >= 3 ? COLORS.brandSoft : COLORS.box }));
    if (i > 0) b.push(arrow(20 + i * 145 - 25, 282, 20 + i * 145 - 2, 282));
  });
  b.push(
    text(20, 330, 'An order’s settlement (pending → settled) follows its batch: GET /v1/orders/:orderHash shows both.', {
      anchor: 'start',
      size: 11,
      fill: COLORS.muted,
    }),
  );
  return svg(
    740,
    345,
    'Order states (pending, open, partially_filled, filled, cancelled, expired, rejected) and batch states (proposed, applied, submitted, settled, audited)',
    b.join('\n'),
  );
}

async function riskCurve() {
  const { riskReport, ONE } = await import('@kestrel/core');
  const x18 = (n) => BigInt(Math.round(n * 1e6)) * 10n ** 12n;
  const num = (v) => Number(v / 10n ** 12n) / 1e6;
  // the devnet's ETH group: shock 10 % / 5 %, basis 0.3 % / 0.15 %; pnlWeight and backstopRatio 0.5
  const params = {
    groups: new Map([[1, { groupId: 1, shockIM: x18(0.1), basisIM: x18(0.003), shockMM: x18(0.05), basisMM: x18(0.0015) }]]),
    pnlWeight: ONE / 2n,
  };
  const collateral = 2500;
  const size = 10;
  const entry = 2000;
  const at = (price) =>
    riskReport(
      {
        quote: x18(collateral),
        assets: [],
        perps: [{ group: 1, size: x18(size), vQuote: x18(-size * entry), price: x18(price), concIM: x18(0.02), concThreshold: x18(2_000_000) }],
      },
      params,
      ONE / 2n,
    );
  const lo = 1700;
  const hi = 2150;
  const points = [];
  for (let p = lo; p <= hi; p += 2.5) {
    const r = at(p);
    points.push({ p, im: num(r.initialHealth), mm: num(r.maintenanceHealth), tier: r.tier });
  }
  const W = 760;
  const H = 360;
  const L = 70;
  const R = 20;
  const T = 40;
  const B = 60;
  const yMin = Math.min(...points.map((q) => q.im)) - 200;
  const yMax = Math.max(...points.map((q) => q.mm)) + 200;
  const X = (p) => L + ((p - lo) / (hi - lo)) * (W - L - R);
  const Y = (v) => T + ((yMax - v) / (yMax - yMin)) * (H - T - B);
  const tierStyle = {
    healthy: [COLORS.good, 'healthy'],
    restricted: [COLORS.warn, 'initial margin breached'],
    margin_call: [COLORS.call, 'margin call'],
    backstop: [COLORS.bad, 'liquidation'],
    bankrupt: [COLORS.worst, 'bankrupt'],
  };
  const b = [];
  // the zones: runs of one tier along the price axis
  let start = points[0];
  for (let i = 1; i <= points.length; i++) {
    const q = points[i];
    if (q && q.tier === start.tier) continue;
    const end = points[i - 1];
    const [fill, label] = tierStyle[start.tier];
    const x0 = X(start.p);
    const x1 = q ? X(q.p) : X(end.p);
    b.push(`<rect x="${x0.toFixed(1)}" y="${T}" width="${(x1 - x0).toFixed(1)}" height="${H - T - B}" fill="${fill}" data-tier="${start.tier}"/>`);
    // a label wider than its zone (about 6 px a character) is cut to its first word
    const fits = label.length * 6 < x1 - x0;
    b.push(text((x0 + x1) / 2, T + 16, fits ? label : label.split(' ')[0], { size: 11, fill: COLORS.ink }));
    start = q;
  }
  // axes and grid
  for (let p = lo; p <= hi; p += 50) {
    b.push(`<line x1="${X(p)}" y1="${H - B}" x2="${X(p)}" y2="${H - B + 5}" stroke="${COLORS.muted}"/>`);
    b.push(text(X(p), H - B + 18, p.toLocaleString('en-US'), { size: 11, fill: COLORS.muted }));
  }
  for (let v = Math.ceil(yMin / 500) * 500; v <= yMax; v += 500) {
    b.push(`<line x1="${L}" y1="${Y(v)}" x2="${W - R}" y2="${Y(v)}" stroke="${v === 0 ? COLORS.ink : '#e4e7eb'}" stroke-width="${v === 0 ? 1.2 : 1}"/>`);
    b.push(text(L - 6, Y(v) + 4, v.toLocaleString('en-US'), { size: 11, anchor: 'end', fill: COLORS.muted }));
  }
  b.push(`<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="${COLORS.muted}"/>`);
  const line = (key) => points.map((q, i) => `${i === 0 ? 'M' : 'L'}${X(q.p).toFixed(1)},${Y(q[key]).toFixed(1)}`).join(' ');
  b.push(path(line('mm'), { stroke: COLORS.brand, width: 2.5, marker: false }));
  b.push(path(line('im'), { stroke: '#b44d12', width: 2.5, dashed: true, marker: false }));
  b.push(text(W / 2, H - 22, 'ETH index price (USDC)', { size: 12, fill: COLORS.muted }));
  b.push(
    `<text x="18" y="${(T + H - B) / 2}" transform="rotate(-90 18 ${(T + H - B) / 2})" text-anchor="middle" font-size="12" fill="${COLORS.muted}">health (USDC)</text>`,
  );
  b.push(
    text(L, 22, `10 ETH-PERP long from ${entry.toLocaleString('en-US')} on ${collateral.toLocaleString('en-US')} USDC, devnet parameters`, {
      anchor: 'start',
      size: 13,
      weight: 'bold',
    }),
  );
  b.push(`<line x1="${W - 250}" y1="${H - 12}" x2="${W - 225}" y2="${H - 12}" stroke="${COLORS.brand}" stroke-width="2.5"/>`);
  b.push(text(W - 220, H - 8, 'maintenance health H_MM', { anchor: 'start', size: 11 }));
  b.push(`<line x1="${W - 250}" y1="${H - 28}" x2="${W - 225}" y2="${H - 28}" stroke="#b44d12" stroke-width="2.5" stroke-dasharray="5 4"/>`);
  b.push(text(W - 220, H - 24, 'initial health H_IM', { anchor: 'start', size: 11 }));
  return svg(
    W,
    H,
    'Risk tiers: health of a leveraged ETH perp position against the ETH price, with the healthy, restricted, margin call, backstop and bankrupt zones',
    b.join('\n'),
  );
}

function deRiskTimeline() {
  const b = [];
  const y = 110;
  b.push(`<line x1="40" y1="${y}" x2="850" y2="${y}" stroke="${COLORS.ink}" stroke-width="2" marker-end="url(#arrow)"/>`);
  const marks = [
    [60, 'H_MM < 0', 'margin call: flagged by the batch'],
    [300, 'grace ends', 'graceSeconds (≤ 900 s; default 300)'],
    [540, 'plan runs', 'IOC orders by marketOrder, ≤ maxSlippageBps'],
    [780, 'backstop', 'E < backstopRatio · R_MM'],
  ];
  for (const [x, head, note] of marks) {
    b.push(`<circle cx="${x}" cy="${y}" r="6" fill="${COLORS.brand}"/>`);
    b.push(text(x, y - 40, head, { weight: 'bold' }));
    b.push(text(x, y - 22, note, { size: 11, fill: COLORS.muted }));
  }
  b.push(`<rect x="60" y="${y + 18}" width="240" height="44" rx="6" fill="${COLORS.warn}"/>`);
  b.push(text(180, y + 36, 'the trader acts: deposit, close, hedge', { size: 12 }));
  b.push(text(180, y + 52, 'back to H_MM ≥ 0 ends the call', { size: 11, fill: COLORS.muted }));
  b.push(`<rect x="300" y="${y + 18}" width="240" height="44" rx="6" fill="${COLORS.call}"/>`);
  b.push(text(420, y + 36, 'the signed plan closes, in steps', { size: 12 }));
  b.push(text(420, y + 52, 'until H_MM ≥ buffer (10 % of R_MM)', { size: 11, fill: COLORS.muted }));
  b.push(`<rect x="540" y="${y + 18}" width="300" height="44" rx="6" fill="${COLORS.bad}"/>`);
  b.push(text(690, y + 36, 'liquidators take over positions at a discount', { size: 12 }));
  b.push(text(690, y + 52, 'any time the backstop tier is reached; E < 0: insurance fund', { size: 11, fill: COLORS.muted }));
  return svg(880, 190, 'De-risking timeline: margin call, the grace window, the trader’s plan, then the backstop', b.join('\n'));
}

export async function writeDiagrams({ docsRoot }) {
  const dir = join(docsRoot, 'public', 'diagrams');
  mkdirSync(dir, { recursive: true });
  const files = {
    'architecture.svg': architecture(),
    'order-lifecycle.svg': orderLifecycle(),
    'risk-tiers.svg': await riskCurve(),
    'de-risking.svg': deRiskTimeline(),
  };
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return Object.keys(files);
}
