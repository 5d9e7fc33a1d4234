/**
 * The suspicious-sample card: before a ranking, a button that asks the host to inspect a dataset; with a ranking,
 * a grid of the most suspicious samples (rank order, score, the original model's prediction) and the export of
 * the flagged indices. The user picks how many to flag (the host's proposal preset); the host holds the ranking,
 * so the panel posts only the count.
 */
import type { SamplesReport, WebviewToHost } from '../src/protocol';
import { custom, el, svg } from './dom';
import { baseName, percent } from './format';
import { rankingQuality } from '../src/report/ranking-quality';
import { clampCount, flagSummary, scoreBins, tileCaption } from './samples-format';

export interface SamplesCard {
  element: HTMLElement;
  show(report: SamplesReport): void;
  /** A ranking is running: what it is doing now. */
  busy(text: string): void;
  exported(path: string, count: number): void;
  error(message: string): void;
}

const HW = 420;
const HH = 120;
const HP = { x: 8, y: 8, width: HW - 16, height: HH - 36 };

/**
 * The histogram of every score of the ranking, with a line at the chosen cut (issue #23 item 9: no histogram
 * justified the proposed count): two groups and a cut between them is what the proposal rests on.
 */
function scoreHistogram(scores: readonly number[]): { element: SVGSVGElement; cut(score: number | null): void } {
  const b = scoreBins(scores);
  const root = svg('svg', { viewBox: `0 0 ${HW} ${HH}`, class: 'chart score-histogram', id: 'score-histogram', role: 'img', 'aria-label': 'histogram of the suspicion scores, the cut marked' });
  const max = Math.max(1, ...b.counts);
  const w = HP.width / b.counts.length;
  b.counts.forEach((n, i) => {
    const h = (n / max) * HP.height;
    const bar = svg('rect', { class: 'bar', x: HP.x + i * w + 0.5, y: HP.y + HP.height - h, width: Math.max(0.5, w - 1), height: h, 'data-count': n });
    bar.append(svg('title', {}, `${n} sample${n === 1 ? '' : 's'}`));
    root.append(bar);
  });
  const axis = b.scale === 'log-magnitude' ? '−log10 |score|: right = score nearer 0 = more suspicious' : 'score: right = more suspicious';
  root.append(svg('text', { class: 'axis-label', x: HW / 2, y: HH - 6, 'text-anchor': 'middle' }, axis));
  const line = svg('line', { class: 'marker cut-line', y1: HP.y, y2: HP.y + HP.height, x1: 0, x2: 0, visibility: 'hidden' });
  root.append(line);
  return {
    element: root,
    cut(score) {
      line.setAttribute('visibility', score === null ? 'hidden' : 'visible');
      if (score === null) return;
      const x = HP.x + b.at(score) * HP.width;
      line.setAttribute('x1', String(x));
      line.setAttribute('x2', String(x));
      line.dataset.at = String(b.at(score));
    },
  };
}

export function samplesCard(post: (m: WebviewToHost) => void): SamplesCard {
  const root = el('section', { class: 'card', id: 'samples' });
  const status = el('p', { class: 'hint', id: 'samples-status' });
  const inspectButton = () => {
    const b = custom('vscode-button', { id: 'inspect-samples', secondary: '' }, 'Inspect a dataset for poisoned samples…');
    b.addEventListener('click', () => post({ type: 'inspectSamples' }));
    return b;
  };
  root.append(
    el('h2', {}, 'Suspicious samples'),
    el(
      'p',
      { class: 'hint', id: 'samples-empty' },
      'Rank the samples of a dataset (a training set, incoming data) by how much the unlearned model still agrees with the original one: poisoned samples carry the trigger, which survives unlearning, so they come first.',
    ),
    inspectButton(),
    status,
  );
  let exportStatus: HTMLElement = status;

  return {
    element: root,
    busy(text) {
      status.className = 'hint';
      status.textContent = text;
      exportStatus = status;
    },
    error(message) {
      exportStatus.className = 'hint error';
      exportStatus.textContent = message;
    },
    exported(path, count) {
      exportStatus.className = 'hint exported';
      exportStatus.textContent = `Exported ${count} flagged ind${count === 1 ? 'ex' : 'ices'} to ${path}`;
      exportStatus.dataset.path = path;
    },
    show(report) {
      const total = report.rankedScores.length;
      const proposed = clampCount(report.proposedCount || 1, total);
      const input = el('input', { type: 'number', id: 'flag-count', min: 1, max: total, step: 1, 'aria-label': 'how many samples to flag' });
      input.value = String(proposed);
      const summary = el('span', { id: 'flag-summary' });
      // With the file's own is_poison flags: how good the ranking is at the chosen count (ground truth, for checking).
      const truth = report.rankedPoison && report.rankedPoison.length === total ? report.rankedPoison : null;
      const quality = truth ? el('p', { class: 'hint', id: 'flag-quality' }) : null;
      const exportButton = custom('vscode-button', { id: 'export-flagged' }, 'Export flagged indices');
      const done = el('p', { class: 'hint', id: 'flagged-status' }, 'Writes {model, inspect, score, indices, scores} as JSON; you choose where (default: beside the dataset).');
      exportStatus = done;
      const tiles = report.tiles.map((t, rank) =>
        el(
          'figure',
          { class: 'tile', 'data-index': t.index, 'data-rank': rank, 'data-score': t.score, title: `sample ${t.index}: score ${t.score}` },
          el('img', { src: t.png, alt: `sample ${t.index}` }),
          el('figcaption', {}, ...tileCaption(t).map((line) => el('span', {}, line))),
        ),
      );
      // Click a tile to see it larger (again to shrink it back).
      for (const tile of tiles) {
        tile.setAttribute('tabindex', '0');
        const toggle = () => tile.classList.toggle('enlarged');
        tile.addEventListener('click', toggle);
        tile.addEventListener('keydown', (ev) => {
          if (ev.key === 'Enter' || ev.key === ' ') {
            ev.preventDefault();
            toggle();
          }
        });
      }
      const grid = el('div', { class: 'sample-grid', id: 'sample-grid' }, ...tiles);
      // Order and filter of the grid: rank (most suspicious first) or the data set's own order; all or flagged only.
      const order = el('select', { id: 'sample-order', 'aria-label': 'order of the samples' }, el('option', { value: 'rank' }, 'most suspicious first'), el('option', { value: 'index' }, 'data set order'));
      const onlyFlagged = el('input', { type: 'checkbox', id: 'sample-only-flagged' }) as HTMLInputElement;
      const arrange = () => {
        const sorted = order.value === 'index' ? [...tiles].sort((x, y) => Number(x.dataset.index) - Number(y.dataset.index)) : tiles;
        grid.replaceChildren(...sorted);
        for (const t of tiles) t.hidden = onlyFlagged.checked && !t.classList.contains('flagged');
      };
      order.addEventListener('change', arrange);
      onlyFlagged.addEventListener('change', arrange);
      const gridControls = el('div', { class: 'flag-controls', id: 'sample-grid-controls' }, el('label', {}, 'Show ', order), el('label', {}, onlyFlagged, ' flagged only'), el('span', { class: 'hint' }, 'click a sample to enlarge it'));
      const histogram = scoreHistogram(report.rankedScores);
      let count = proposed;
      const apply = () => {
        summary.textContent = flagSummary(count, report.rankedScores, report.proposedCount);
        histogram.cut(report.rankedScores[count - 1] ?? null);
        if (quality && truth) {
          const q = rankingQuality(truth, count);
          quality.textContent = `Against the file's is_poison flags (${q.poisoned} of ${q.total} poisoned): precision ${percent(q.precision)} and recall ${percent(q.recall)} at ${q.flagged} flagged; AUROC ${typeof report.auroc === 'number' ? report.auroc.toFixed(3) : '—'} over the whole ranking.`;
          quality.dataset.precision = String(q.precision);
          quality.dataset.recall = String(q.recall);
        }
        tiles.forEach((tile, rank) => tile.classList.toggle('flagged', rank < count));
        arrange();
      };
      input.addEventListener('input', () => {
        const v = Number(input.value);
        if (!Number.isFinite(v)) return;
        count = clampCount(v, total);
        apply();
      });
      exportButton.addEventListener('click', () => {
        done.className = 'hint';
        done.textContent = `Exporting ${count} flagged indices…`;
        post({ type: 'exportSamples', count });
      });
      status.className = 'hint';
      status.textContent = '';
      // The status line stays in the card: a later ranking reports its progress there while this grid is still shown.
      root.replaceChildren(
        el('h2', {}, `Suspicious samples — ${baseName(report.inspect.path)} (${total} sample${total === 1 ? '' : 's'})`),
        el(
          'p',
          { class: 'hint', id: 'samples-meta' },
          `Ranked with ${baseName(report.model)} unlearned on ${baseName(report.data)}. Score: ${report.score}. Higher = more suspicious. ` +
            (report.tiles.length < total ? `Showing the ${report.tiles.length} most suspicious of ${total}.` : `Showing all ${total}.`),
        ),
        el('div', { class: 'flag-controls' }, el('label', {}, 'Flag the top ', input), summary, exportButton),
        ...(quality ? [quality] : []),
        done,
        histogram.element,
        gridControls,
        grid,
        el('div', { class: 'flag-controls' }, inspectButton(), status),
      );
      apply();
    },
  };
}
