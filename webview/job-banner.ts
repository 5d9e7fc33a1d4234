/**
 * The line above a shown report while another job concerns it: a scan running (the report below is the previous
 * one, dimmed and marked out of date, with the whole scan's progress and a Cancel button), or a scan that failed
 * (the report below stays, the failure is said above it, with a Dismiss). A later job never blanks a good report:
 * issue #23 item 1.
 */
import type { WebviewToHost } from '../src/protocol';
import { custom, el } from './dom';
import { baseName } from './format';

export interface JobBanner {
  element: HTMLElement;
  /** A scan of `model` started over the report of `shownModel`. */
  scanning(model: string, shownModel: string): void;
  progress(line: string): void;
  failed(model: string | null, message: string, shownModel: string): void;
  clear(): void;
}

export function jobBanner(post: (m: WebviewToHost) => void, report: HTMLElement): JobBanner {
  const title = el('strong', { id: 'job-title' });
  const detail = el('span', { id: 'job-detail', class: 'hint' });
  const about = el('p', { id: 'job-about', class: 'hint' });
  const cancel = custom('vscode-button', { id: 'job-cancel', secondary: '' }, 'Cancel scan');
  const dismiss = custom('vscode-button', { id: 'job-dismiss', secondary: '' }, 'Dismiss');
  cancel.addEventListener('click', () => {
    cancel.setAttribute('disabled', '');
    detail.textContent = 'Cancelling…';
    post({ type: 'cancel' });
  });
  const element = el('section', { id: 'job-banner', class: 'job-banner', role: 'status', 'aria-live': 'polite', hidden: '' }, el('div', { class: 'job-line' }, title, detail, cancel, dismiss), about);
  const show = (kind: 'running' | 'failed') => {
    element.hidden = false;
    element.className = `job-banner ${kind}`;
    cancel.hidden = kind !== 'running';
    dismiss.hidden = kind !== 'failed';
    cancel.removeAttribute('disabled');
    report.classList.toggle('stale', kind === 'running');
  };
  const clear = () => {
    element.hidden = true;
    report.classList.remove('stale');
  };
  dismiss.addEventListener('click', clear);
  return {
    element,
    scanning(model, shownModel) {
      show('running');
      title.textContent = `Scanning ${baseName(model)}…`;
      detail.textContent = 'loading the model and the defense data';
      about.textContent = `The report below is the previous scan${model === shownModel ? '' : ` (of ${baseName(shownModel)})`}: out of date until this scan finishes.`;
    },
    progress(line) {
      if (!element.hidden && element.classList.contains('running')) detail.textContent = line;
    },
    failed(model, message, shownModel) {
      show('failed');
      title.textContent = model ? `The scan of ${baseName(model)} failed` : 'The scan failed';
      detail.textContent = message;
      about.textContent = `The report below is unchanged: the previous scan${model && model !== shownModel ? `, of ${baseName(shownModel)}` : ''}.`;
    },
    clear,
  };
}
