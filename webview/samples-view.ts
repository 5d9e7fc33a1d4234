/**
 * The suspicious-sample card: before a ranking, a button that asks the host to inspect a dataset; with a ranking,
 * a grid of the most suspicious samples (rank order, score, the original model's prediction) and the export of
 * the flagged indices. The user picks how many to flag (the host's proposal preset); the host holds the ranking,
 * so the panel posts only the count.
 */
import type { SamplesReport, WebviewToHost } from '../src/protocol';
import { custom, el } from './dom';
import { baseName, percent } from './format';
import { rankingQuality } from '../src/report/ranking-quality';
import { clampCount, flagSummary, tileCaption } from './samples-format';

export interface SamplesCard {
  element: HTMLElement;
  show(report: SamplesReport): void;
  /** A ranking is running: what it is doing now. */
  busy(text: string): void;
  exported(path: string, count: number): void;
  error(message: string): void;
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
      const grid = el('div', { class: 'sample-grid', id: 'sample-grid' }, ...tiles);
      let count = proposed;
      const apply = () => {
        summary.textContent = flagSummary(count, report.rankedScores, report.proposedCount);
        if (quality && truth) {
          const q = rankingQuality(truth, count);
          quality.textContent = `Against the file's is_poison flags (${q.poisoned} of ${q.total} poisoned): precision ${percent(q.precision)} and recall ${percent(q.recall)} at ${q.flagged} flagged; AUROC ${typeof report.auroc === 'number' ? report.auroc.toFixed(3) : '—'} over the whole ranking.`;
          quality.dataset.precision = String(q.precision);
          quality.dataset.recall = String(q.recall);
        }
        tiles.forEach((tile, rank) => tile.classList.toggle('flagged', rank < count));
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
        grid,
        el('div', { class: 'flag-controls' }, inspectButton(), status),
      );
      apply();
    },
  };
}
