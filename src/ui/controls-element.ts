/**
 * `<rl-controls>`: the whole control panel (presets, light, key light, background, advanced, status) bound to one
 * full `RelightSettings`. The extension popup and the demo page use it as is.
 *
 * Contract: each user change fires exactly ONE `rl-settings-change` whose detail is a validated patch; the child
 * elements' own events stop here. Nested `keyLight` is always sent whole (current values merged with the change),
 * so a consumer that shallow-merges patches stays correct; `applyPatch` works as well. The element applies its own
 * patch optimistically (so it stays consistent if the host never writes `settings` back); when the host does set
 * `settings` (e.g. from storage or another window), that wins.
 */
import { css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { applyPatch, resolveSettings, type RelightSettings } from '../core/settings.js';
import { ThemedElement } from './themed-element.js';
import { fireSettingsPatch } from './settings-events.js';
import type { PresetItem } from './preset-picker-element.js';
import { formatMultiplier } from './light-controls-element.js';
import type { RelighterStatsView } from './status-element.js';
import './slider-element.js';
import './toggle-element.js';
import './background-mode-element.js';
import './preset-picker-element.js';
import './direction-pad-element.js';
import './light-controls-element.js';
import './status-element.js';

type ValueEvent<T> = CustomEvent<T>;

export function formatModelEvery(n: number): string {
  return n <= 1 ? 'Every frame' : `Every ${n} frames`;
}

/**
 * The relighting control panel.
 *
 * @fires rl-settings-change - one validated `Partial<RelightSettings>` per user change (keyLight sent whole)
 * @fires rl-settings-error - `{message, rejected}` when a change was invalid and therefore NOT sent (e.g. a preset
 *   whose id the schema rejects)
 * @csspart panel - the outer container
 * @csspart header - the title row with the master switch
 * @csspart section - each section (also `section-presets`, `section-light`, `section-key`, `section-background`,
 *   `section-advanced`, `section-status`)
 * @csspart heading - section headings
 * @csspart presets - the rl-preset-picker
 * @csspart light - the rl-light-controls
 * @csspart pad - the rl-direction-pad
 * @csspart background - the rl-background-mode
 * @csspart status - the rl-status
 * @cssprop --rl-bg - panel background
 * @cssprop --rl-fg - text colour
 * @cssprop --rl-accent - accent (sliders, selection, switches)
 * @cssprop --rl-border - dividers and outlines
 * @cssprop --rl-radius - corner radius
 * @cssprop --rl-font - font family
 * @cssprop --rl-panel-padding - inner padding (default 16px)
 */
@customElement('rl-controls')
export class ControlsElement extends ThemedElement {
  static override styles = [
    ThemedElement.styles,
    css`
      :host {
        display: block;
        min-width: 280px;
      }
      .panel {
        background: var(--_bg);
        color: var(--_fg);
        border: 1px solid var(--_border);
        border-radius: calc(var(--_radius) + 4px);
        box-shadow: var(--_shadow);
        padding: var(--rl-panel-padding, 16px);
        display: grid;
        gap: 14px;
      }
      .header rl-toggle::part(label) {
        font-size: 1.2em;
        font-weight: 650;
        letter-spacing: -0.01em;
      }
      .body {
        display: grid;
        gap: 14px;
        transition: opacity 150ms ease;
      }
      .body.off {
        opacity: 0.55;
      }
      section {
        display: grid;
        gap: 8px;
        padding-top: 12px;
        border-top: 1px solid var(--_border);
      }
      section.first {
        padding-top: 0;
        border-top: none;
      }
      h3 {
        margin: 0;
        font-size: 0.8em;
        font-weight: 650;
        letter-spacing: 0.06em;
        text-transform: uppercase;
        color: var(--_muted);
      }
      rl-preset-picker {
        --rl-preset-size: 64px;
      }
      .key-row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: center;
        gap: 14px;
      }
      .key-row rl-direction-pad {
        --rl-pad-size: 132px;
        flex: none;
      }
      .key-sliders {
        flex: 1 1 140px;
        display: grid;
        gap: 8px;
      }
      .temp {
        --rl-slider-track: linear-gradient(to right, #ff9d4d, #ffd7a8 30%, #f3f1ee 55%, #b9d2ff);
      }
      details {
        border-top: 1px solid var(--_border);
        padding-top: 10px;
      }
      summary {
        cursor: pointer;
        list-style: none;
        display: flex;
        align-items: center;
        gap: 6px;
        font-size: 0.8em;
        font-weight: 650;
        letter-spacing: 0.06em;
        text-transform: uppercase;
        color: var(--_muted);
        border-radius: 4px;
        outline: none;
      }
      summary::-webkit-details-marker {
        display: none;
      }
      summary::before {
        content: '';
        width: 6px;
        height: 6px;
        border-right: 1.5px solid currentColor;
        border-bottom: 1.5px solid currentColor;
        transform: rotate(-45deg);
        transition: transform 120ms ease;
      }
      details[open] summary::before {
        transform: rotate(45deg);
      }
      summary:focus-visible {
        box-shadow: var(--_focus-ring);
      }
      .advanced {
        display: grid;
        gap: 10px;
        padding-top: 10px;
      }
    `,
  ];

  /** The full settings the panel shows. */
  @property({ attribute: false }) settings: RelightSettings = resolveSettings();
  /** Preset tiles (see ./preset-previews.ts for building them from src/lighting). */
  @property({ attribute: false }) presets: PresetItem[] = [];
  /** Relighter stats; the status section is hidden while unset. */
  @property({ attribute: false }) stats?: RelighterStatsView;
  /** Title shown in the header (also the master switch's label). */
  @property() heading = 'Relight';
  /** Open the Advanced section initially. */
  @property({ type: Boolean, attribute: 'advanced-open' }) advancedOpen = false;

  override render() {
    const s = this.settings;
    const k = s.keyLight;
    const t = this.theme;
    return html`
      <div class="panel" part="panel">
        <div class="header" part="header">
          <rl-toggle
            theme=${t}
            label=${this.heading}
            accessible-label="${this.heading}: relighting on or off"
            .checked=${live(s.enabled)}
            @rl-toggle-change=${(e: ValueEvent<{ checked: boolean }>) => this.emit(e, { enabled: e.detail.checked })}
          ></rl-toggle>
        </div>
        <div class="body ${s.enabled ? '' : 'off'}">
          <section class="first" part="section section-presets" aria-labelledby="h-presets">
            <h3 id="h-presets" part="heading">Lighting</h3>
            <rl-preset-picker
              part="presets"
              theme=${t}
              label="Lighting preset"
              .presets=${this.presets}
              .value=${live(s.preset)}
              @rl-preset-change=${(e: ValueEvent<{ id: string }>) => this.emit(e, { preset: e.detail.id })}
            ></rl-preset-picker>
          </section>

          <section part="section section-light" aria-labelledby="h-light">
            <h3 id="h-light" part="heading">Light</h3>
            <rl-light-controls
              part="light"
              theme=${t}
              .settings=${s}
              @rl-settings-change=${(e: ValueEvent<Partial<RelightSettings>>) => this.emit(e, e.detail)}
            ></rl-light-controls>
          </section>

          <section part="section section-key" aria-labelledby="h-key">
            <h3 id="h-key" part="heading" class="visually-hidden">Key light</h3>
            <rl-toggle
              theme=${t}
              label="Key light"
              .checked=${live(k.enabled)}
              @rl-toggle-change=${(e: ValueEvent<{ checked: boolean }>) => this.emitKey(e, { enabled: e.detail.checked })}
            ></rl-toggle>
            <div class="key-row">
              <rl-direction-pad
                part="pad"
                theme=${t}
                .value=${{ azimuthDeg: k.azimuthDeg, elevationDeg: k.elevationDeg }}
                .softness=${k.softness}
                ?disabled=${!k.enabled}
                @rl-direction-change=${(e: ValueEvent<{ azimuthDeg: number; elevationDeg: number }>) =>
                  this.emitKey(e, { azimuthDeg: e.detail.azimuthDeg, elevationDeg: e.detail.elevationDeg })}
              ></rl-direction-pad>
              <div class="key-sliders">
                ${this.slider('Intensity', k.intensity, 0, 4, 0.05, { format: formatMultiplier }, (v) =>
                  this.keyPatch({ intensity: v }), !k.enabled)}
                ${this.slider('Softness', k.softness, 0, 1, 0.01, { unit: '%', scale: 100 }, (v) =>
                  this.keyPatch({ softness: v }), !k.enabled)}
                ${this.slider('Colour', k.colorTempK, 1500, 12000, 100, { unit: 'K', cls: 'temp' }, (v) =>
                  this.keyPatch({ colorTempK: v }), !k.enabled)}
              </div>
            </div>
          </section>

          <section part="section section-background" aria-labelledby="h-bg">
            <h3 id="h-bg" part="heading">Background</h3>
            <rl-background-mode
              part="background"
              theme=${t}
              .value=${live(s.background)}
              @rl-background-change=${(e: ValueEvent<{ mode: RelightSettings['background'] }>) =>
                this.emit(e, { background: e.detail.mode })}
            ></rl-background-mode>
            ${s.background === 'dim'
              ? this.slider('Dim to', s.backgroundDim, 0, 1, 0.01, { unit: '%', scale: 100 }, (v) => ({
                  backgroundDim: v,
                }))
              : nothing}
          </section>

          <details part="section section-advanced" ?open=${this.advancedOpen}>
            <summary>Advanced</summary>
            <div class="advanced">
              ${this.slider('Rotate light', s.yawDeg, -180, 180, 1, { unit: '°' }, (v) => ({ yawDeg: v }))}
              ${this.slider('Tilt light', s.pitchDeg, -90, 90, 1, { unit: '°' }, (v) => ({ pitchDeg: v }))}
              ${this.slider('Smoothing', s.smoothing, 0, 0.95, 0.05, { unit: '%', scale: 100 }, (v) => ({
                smoothing: v,
              }))}
              ${this.slider('Face model', s.modelEveryNFrames, 1, 8, 1, { format: formatModelEvery }, (v) => ({
                modelEveryNFrames: v,
              }))}
            </div>
          </details>
        </div>

        ${this.stats
          ? html`<section part="section section-status" aria-labelledby="h-status">
              <h3 id="h-status" part="heading">Status</h3>
              <rl-status part="status" theme=${t} .stats=${this.stats}></rl-status>
            </section>`
          : nothing}
      </div>
    `;
  }

  private slider(
    label: string,
    value: number,
    min: number,
    max: number,
    step: number,
    opts: { unit?: string; scale?: number; cls?: string; format?: (v: number) => string },
    toPatch: (value: number) => Partial<RelightSettings>,
    disabled = false,
  ) {
    return html`<rl-slider
      class=${opts.cls ?? nothing}
      theme=${this.theme}
      label=${label}
      min=${min}
      max=${max}
      step=${step}
      unit=${opts.unit ?? ''}
      display-scale=${opts.scale ?? 1}
      .format=${opts.format}
      .value=${live(value)}
      ?disabled=${disabled}
      @rl-slider-change=${(e: ValueEvent<{ value: number }>) => this.emit(e, toPatch(e.detail.value))}
    ></rl-slider>`;
  }

  private keyPatch(change: Partial<RelightSettings['keyLight']>): Partial<RelightSettings> {
    return { keyLight: { ...this.settings.keyLight, ...change } };
  }

  private emitKey(e: Event, change: Partial<RelightSettings['keyLight']>): void {
    this.emit(e, this.keyPatch(change));
  }

  /** Stops the child's event and fires this panel's single, validated `rl-settings-change`. */
  private emit(e: Event, patch: unknown): void {
    e.stopPropagation();
    const clean = fireSettingsPatch(this, patch, 'ControlsElement');
    if (clean) this.settings = applyPatch(this.settings, clean);
    // Rejected: the child already shows the refused value; re-rendering lets the live() bindings put it back.
    else this.requestUpdate();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rl-controls': ControlsElement;
  }
}
