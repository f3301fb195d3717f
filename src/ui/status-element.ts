/**
 * `<rl-status>`: one compact status block for the running relighter: backend, execution host, frame rate,
 * per-stage timings, model-loading progress and the last fallback/error reason.
 *
 * Screen readers: the block is a labelled group; only the loading state and the fallback reason are in a polite
 * live region. Frame rate and timings change every second and would drown the user if announced.
 */
import { css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { ThemedElement } from './themed-element.js';

/** What the status line shows. The pipeline's stats map onto this (the lead owns that mapping). */
export interface RelighterStatsView {
  /** Where processing runs: 'worker', 'main-thread', ... (shown as the host). */
  mode: string;
  /** 'webgpu', 'wasm', 'passthrough', ... */
  backend: string;
  /** Output frames per second. */
  fps: number;
  /** Milliseconds per stage for the last frame(s), e.g. {segment: 12.1, geometry: 8.3, render: 2.2}. */
  stageMs: Record<string, number>;
  /** Present while a model or asset loads; fraction 0..1. */
  loading?: { what: string; fraction: number };
  /** Why the relighter fell back (or the last error), for the user. */
  fallbackReason?: string;
}

const BACKEND_NAMES: Record<string, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'wasm',
  cpu: 'CPU',
  passthrough: 'Passthrough',
};
const HOST_NAMES: Record<string, string> = {
  worker: 'Worker',
  'main-thread': 'Main thread',
  main: 'Main thread',
  iframe: 'Iframe',
};

/** Below this the frame rate is shown as a warning: calls look choppy. */
const LOW_FPS = 20;

/**
 * Relighter status.
 *
 * @csspart status - the outer container
 * @csspart backend - the backend badge (has attribute data-level="ok|warn|off")
 * @csspart host - the execution-host badge
 * @csspart fps - the frame-rate readout
 * @csspart stages - the per-stage timings line
 * @csspart progress - the loading progress bar (role=progressbar)
 * @csspart reason - the fallback / error line
 * @cssprop --rl-ok - healthy backend dot
 * @cssprop --rl-warn - fallback / low fps colour
 * @cssprop --rl-muted - secondary text
 * @cssprop --rl-accent - progress bar fill
 */
@customElement('rl-status')
export class StatusElement extends ThemedElement {
  static override styles = [
    ThemedElement.styles,
    css`
      :host {
        display: block;
      }
      .status {
        display: grid;
        gap: 6px;
        font-variant-numeric: tabular-nums;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px;
      }
      .badge {
        display: inline-flex;
        align-items: center;
        gap: 5px;
        padding: 2px 8px;
        border-radius: 999px;
        background: var(--_surface);
        border: 1px solid var(--_border);
        font-size: 0.92em;
        font-weight: 500;
      }
      .dot {
        width: 7px;
        height: 7px;
        border-radius: 50%;
        background: var(--_ok);
      }
      [data-level='warn'] .dot {
        background: var(--_warn);
      }
      [data-level='off'] .dot {
        background: var(--_muted);
      }
      .fps {
        margin-left: auto;
        font-weight: 600;
      }
      .fps.low {
        color: var(--_warn);
      }
      .stage {
        white-space: nowrap;
      }
      .stages,
      .idle {
        color: var(--_muted);
        font-size: 0.92em;
      }
      .loading {
        display: grid;
        gap: 3px;
        font-size: 0.92em;
      }
      .loading-label {
        display: flex;
        justify-content: space-between;
        color: var(--_muted);
      }
      .bar {
        height: 4px;
        border-radius: 999px;
        background: var(--_track);
        overflow: hidden;
      }
      .bar-fill {
        height: 100%;
        background: var(--_accent);
        border-radius: inherit;
        transition: width 200ms ease;
      }
      .reason {
        display: flex;
        gap: 6px;
        align-items: flex-start;
        color: var(--_warn);
        font-size: 0.92em;
      }
      .reason svg {
        flex: none;
        width: 14px;
        height: 14px;
        margin-top: 1px;
      }
    `,
  ];

  /** Latest stats; nothing but "Not running" is shown while unset. */
  @property({ attribute: false }) stats?: RelighterStatsView;
  /** Accessible name of the group. */
  @property() label = 'Relighting status';

  override render() {
    const s = this.stats;
    if (!s) {
      return html`<div class="status idle" part="status" role="group" aria-label=${this.label}>Not running</div>`;
    }
    const backendKey = s.backend.toLowerCase();
    const level = backendKey === 'passthrough' ? 'off' : s.fallbackReason ? 'warn' : 'ok';
    const fps = Number.isFinite(s.fps) ? s.fps : 0;
    const stages = Object.entries(s.stageMs).filter(([, ms]) => Number.isFinite(ms));
    const fraction = s.loading ? Math.min(1, Math.max(0, s.loading.fraction || 0)) : 0;
    return html`
      <div class="status" part="status" role="group" aria-label=${this.label}>
        <div class="row">
          <span class="badge" part="backend" data-level=${level} title="Backend">
            <span class="dot" aria-hidden="true"></span>
            <span class="visually-hidden">Backend:</span>${BACKEND_NAMES[backendKey] ?? s.backend}
          </span>
          <span class="badge" part="host" title="Runs on">
            <span class="visually-hidden">Runs on:</span>${HOST_NAMES[s.mode.toLowerCase()] ?? s.mode}
          </span>
          <span class="fps ${fps < LOW_FPS ? 'low' : ''}" part="fps">${fps.toFixed(1)} fps</span>
        </div>
        ${stages.length
          ? html`<div class="stages" part="stages">
              ${stages.map(
                ([name, ms], i) => html`${i ? ' · ' : ''}<span class="stage">${name} ${ms.toFixed(1)} ms</span>`,
              )}
            </div>`
          : nothing}
        <div aria-live="polite">
          ${s.loading
            ? html`<div class="loading">
                <div class="loading-label">
                  <span id="loading-what">Loading ${s.loading.what}</span><span>${Math.round(fraction * 100)}%</span>
                </div>
                <div
                  class="bar"
                  part="progress"
                  role="progressbar"
                  aria-labelledby="loading-what"
                  aria-valuemin="0"
                  aria-valuemax="100"
                  aria-valuenow=${Math.round(fraction * 100)}
                >
                  <div class="bar-fill" style="width: ${(fraction * 100).toFixed(1)}%"></div>
                </div>
              </div>`
            : nothing}
          ${s.fallbackReason
            ? html`<div class="reason" part="reason">
                <svg viewBox="0 0 16 16" aria-hidden="true">
                  <path d="M8 1.5 15 14H1z" fill="none" stroke="currentColor" stroke-width="1.4"
                    stroke-linejoin="round" />
                  <path d="M8 6v3.6M8 11.4v.1" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />
                </svg>
                <span>${s.fallbackReason}</span>
              </div>`
            : nothing}
        </div>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rl-status': StatusElement;
  }
}
