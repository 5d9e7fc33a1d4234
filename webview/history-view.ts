/**
 * The shown model's scan history (every scan kept under .rnp-scan/<model>/, engine/scan-history.ts): one row per
 * scan, newest first — when, mode, verdict, label, clean accuracy and attack success before → after — with Open on
 * each and Compare for two ticked; and the comparison of two scans (src/report/compare.ts rows), differences marked.
 * Rows name scans by their index in the list the host sent; the host resolves the index (the webview is untrusted).
 */
import type { ScanHistory, ScanHistoryEntry } from '../src/engine/scan-history';
import type { CompareRow } from '../src/report/compare';
import type { WebviewToHost } from '../src/protocol';
import { custom, el } from './dom';
import { percent, verdictText } from './format';

/** Local date and time to the minute, `2026-12-03 13:05` (the same in every locale, so rows line up). */
export function when(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

const change = (a: number | null, b: number | null) => `${percent(a)} → ${percent(b)}`;

export interface HistoryCard {
  element: HTMLElement;
  show(history: ScanHistory, shown: string | null): void;
}

export function historyCard(post: (m: WebviewToHost) => void): HistoryCard {
  const body = el('div', { id: 'history-body' });
  const element = el('section', { class: 'card', id: 'history', hidden: '' }, el('h2', {}, 'Scan history'), body);
  return {
    element,
    show(history, shown) {
      element.hidden = history.entries.length === 0 && history.unreadable.length === 0;
      const ticked = new Set<number>();
      const compare = custom('vscode-button', { id: 'history-compare', secondary: '', disabled: '' }, 'Compare the two ticked');
      const sync = () => {
        if (ticked.size === 2) compare.removeAttribute('disabled');
        else compare.setAttribute('disabled', '');
      };
      compare.addEventListener('click', () => {
        if (ticked.size !== 2) return; // a disabled vscode-button can still be clicked from the keyboard
        const [a, b] = [...ticked].sort((x, y) => x - y);
        post({ type: 'compareHistory', a, b });
      });
      const rows = history.entries.map((e, i) => row(e, i, e.resultPath === shown, post, (on) => {
        if (on) ticked.add(i);
        else ticked.delete(i);
        sync();
      }));
      const parts: (HTMLElement | null)[] = [
        el('p', { class: 'hint' }, `${history.entries.length} scan${history.entries.length === 1 ? '' : 's'} of this model, newest first; each is kept in its own folder beside the model (.rnp-scan/).`),
        el(
          'table',
          { class: 'metrics history-table' },
          el('thead', {}, el('tr', {}, ...['', 'Finished', 'Mode', 'Verdict', 'Clean accuracy', 'Attack success', ''].map((h) => el('th', {}, h)))),
          el('tbody', {}, ...rows),
        ),
        history.entries.length >= 2 ? compare : null,
        history.unreadable.length
          ? el('p', { class: 'hint', id: 'history-unreadable' }, `Not readable: ${history.unreadable.map((u) => `${u.resultPath} (${u.reason})`).join('; ')}`)
          : null,
      ];
      body.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
    },
  };
}

function row(e: ScanHistoryEntry, index: number, isShown: boolean, post: (m: WebviewToHost) => void, onTick: (on: boolean) => void): HTMLElement {
  const tick = el('input', { type: 'checkbox', class: 'history-tick', 'aria-label': `compare the scan finished ${when(e.finishedAt)}` });
  tick.addEventListener('change', () => onTick(tick.checked));
  const open = custom('vscode-button', { class: 'history-open', secondary: '' }, isShown ? 'Shown' : 'Open');
  if (isShown) open.setAttribute('disabled', '');
  else open.addEventListener('click', () => post({ type: 'openHistory', index }));
  const notes = [e.sameModel === false ? 'of an earlier version of the model file' : null].filter(Boolean);
  return el(
    'tr',
    { class: `history-row${isShown ? ' shown' : ''}`, 'data-index': index, 'data-verdict': e.verdict },
    el('td', {}, tick),
    el('td', {}, when(e.finishedAt), notes.length ? el('div', { class: 'hint history-note' }, notes.join('; ')) : null),
    el('td', {}, e.mode),
    el('td', { class: `history-verdict verdict-text-${e.verdict}` }, verdictText(e.verdict, e.detectedLabel, e.detectedLabel !== null && e.detectedLabelName ? { [e.detectedLabel]: e.detectedLabelName } : null)),
    el('td', { class: 'history-acc' }, change(e.before.acc, e.after.acc)),
    el('td', { class: 'history-asr' }, change(e.before.asr, e.after.asr)),
    el('td', {}, open),
  );
}

const GROUPS: Record<CompareRow['group'], string> = { scan: 'What was scanned', finding: 'What was found', effect: 'What it did', layers: 'Pruned channels per layer' };

/** The comparison of two scans: a table, A | B, differences marked and counted; Close removes it. */
export function comparisonCard(a: ScanHistoryEntry, b: ScanHistoryEntry, rows: CompareRow[], onClose: () => void): HTMLElement {
  const close = custom('vscode-button', { id: 'compare-close', secondary: '' }, 'Close');
  close.addEventListener('click', onClose);
  const body: HTMLElement[] = [];
  for (const g of Object.keys(GROUPS) as CompareRow['group'][]) {
    const rs = rows.filter((r) => r.group === g);
    if (!rs.length) continue;
    body.push(el('tr', { class: 'compare-group' }, el('th', { colspan: 3, scope: 'colgroup' }, GROUPS[g])));
    for (const r of rs) {
      body.push(el('tr', { class: r.differs ? 'compare-row differs' : 'compare-row' }, el('th', { scope: 'row' }, r.differs ? `≠ ${r.label}` : r.label), el('td', {}, r.a), el('td', {}, r.b)));
    }
  }
  const n = rows.filter((r) => r.differs).length;
  return el(
    'section',
    { class: 'card', id: 'comparison' },
    el('div', { class: 'job-line' }, el('h2', {}, 'Two scans compared'), close),
    el('p', { class: 'hint', id: 'compare-summary' }, `${n} of ${rows.length} rows differ (marked ≠).`),
    el(
      'table',
      { class: 'metrics compare-table' },
      el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', { scope: 'col' }, `A: ${when(a.finishedAt)} (${a.mode})`), el('th', { scope: 'col' }, `B: ${when(b.finishedAt)} (${b.mode})`))),
      el('tbody', {}, ...body),
    ),
  );
}
