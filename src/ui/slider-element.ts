/**
 * `<rl-slider>`: a labelled range with a live value readout. It is a real `<input type="range">` inside (so
 * screen readers, keyboard, touch and form semantics come for free); the readout is also given to assistive tech
 * as `aria-valuetext`, so "85%" is announced rather than "0.85".
 */
import { css, html, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { ThemedElement } from './themed-element.js';
import { fire, type SliderChangeDetail } from './settings-events.js';

/** Units written straight after the number; any other unit gets a space ("5000 K", "12 ms"). */
const TIGHT_UNITS = new Set(['%', '°', '×', '']);

/**
 * A labelled range slider with a value readout.
 *
 * @fires rl-slider-change - `{value: number}` on every value change made by the user (drag, keys, click);
 *   not fired for programmatic `value` changes.
 * @csspart header - the row holding label and readout
 * @csspart label - the visible label
 * @csspart value - the readout
 * @csspart input - the native range input
 * @csspart description - optional helper text under the slider
 * @cssprop --rl-accent - filled track and thumb border
 * @cssprop --rl-track - unfilled track colour
 * @cssprop --rl-slider-track - replaces the whole track background (e.g. a colour-temperature gradient)
 * @cssprop --rl-fg - label colour
 * @cssprop --rl-muted - readout and description colour
 */
@customElement('rl-slider')
export class SliderElement extends ThemedElement {
  static override shadowRootOptions: ShadowRootInit = { ...ThemedElement.shadowRootOptions, delegatesFocus: true };

  static override styles = [
    ThemedElement.styles,
    css`
      :host {
        display: block;
        min-width: 120px;
      }
      .header {
        display: flex;
        align-items: baseline;
        justify-content: space-between;
        gap: 8px;
        margin-bottom: 2px;
      }
      label {
        font-weight: 500;
        cursor: default;
      }
      output {
        color: var(--_muted);
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      .description {
        color: var(--_muted);
        font-size: 0.9em;
        margin-top: 2px;
      }
      input {
        -webkit-appearance: none;
        appearance: none;
        display: block;
        width: 100%;
        height: 22px;
        margin: 0;
        background: transparent;
        cursor: pointer;
        --_track-bg: var(
          --rl-slider-track,
          linear-gradient(
            to right,
            var(--_track) 0 var(--_fill-from),
            var(--_accent) var(--_fill-from) var(--_fill-to),
            var(--_track) var(--_fill-to) 100%
          )
        );
      }
      input:focus {
        outline: none;
      }
      input::-webkit-slider-runnable-track {
        height: 4px;
        border-radius: 999px;
        background: var(--_track-bg);
      }
      input::-moz-range-track {
        height: 4px;
        border-radius: 999px;
        background: var(--_track-bg);
      }
      input::-webkit-slider-thumb {
        -webkit-appearance: none;
        appearance: none;
        width: 16px;
        height: 16px;
        margin-top: -6px;
        border-radius: 50%;
        background: var(--_surface-raised);
        border: 2px solid var(--_accent);
        box-shadow: 0 1px 3px rgb(0 0 0 / 0.25);
        transition: transform 120ms ease;
      }
      input::-moz-range-thumb {
        width: 12px;
        height: 12px;
        border-radius: 50%;
        background: var(--_surface-raised);
        border: 2px solid var(--_accent);
      }
      input:active::-webkit-slider-thumb {
        transform: scale(1.15);
      }
      input:focus-visible::-webkit-slider-thumb {
        box-shadow: var(--_focus-ring);
      }
      input:focus-visible::-moz-range-thumb {
        box-shadow: var(--_focus-ring);
      }
      :host([disabled]) {
        opacity: 0.45;
      }
      :host([disabled]) input {
        cursor: default;
      }
    `,
  ];

  /** Visible label, also the accessible name. */
  @property() label = '';
  @property({ type: Number }) min = 0;
  @property({ type: Number }) max = 1;
  @property({ type: Number }) step = 0.01;
  @property({ type: Number }) value = 0;
  /**
   * Where the filled part of the track starts. Default: 0 when the range spans zero (a bipolar value such as a
   * rotation fills from the centre), else `min`.
   */
  @property({ type: Number }) origin?: number;
  /** Appended to the readout: '%', '°', 'K', ... */
  @property() unit = '';
  /** The readout shows `value * displayScale` (e.g. 100 for a 0..1 value shown in %). */
  @property({ type: Number, attribute: 'display-scale' }) displayScale = 1;
  /** Optional helper text under the slider (also the input's accessible description). */
  @property() description = '';
  /** Custom readout, overrides unit/displayScale (e.g. "Warm 20"). */
  @property({ attribute: false }) format?: (value: number) => string;
  @property({ type: Boolean, reflect: true }) disabled = false;

  @query('input') private input!: HTMLInputElement;

  /** The readout text for `value` (what is shown and announced). */
  formatValue(value: number): string {
    if (this.format) return this.format(value);
    const scaled = value * this.displayScale;
    const stepScaled = Math.abs(this.step * this.displayScale);
    const digits = stepScaled > 0 && stepScaled < 1 ? Math.min(3, Math.ceil(-Math.log10(stepScaled) - 1e-9)) : 0;
    const text = scaled.toFixed(digits).replace(/^-(0\.?0*)$/, '$1');
    return TIGHT_UNITS.has(this.unit) ? `${text}${this.unit}` : `${text}\u2009${this.unit}`;
  }

  override focus(options?: FocusOptions): void {
    this.input ? this.input.focus(options) : super.focus(options);
  }

  override render() {
    const span = this.max - this.min;
    const clamped = Math.min(this.max, Math.max(this.min, this.value));
    const origin = this.origin ?? (this.min < 0 && this.max > 0 ? 0 : this.min);
    const pct = (v: number) => (span > 0 ? ((Math.min(this.max, Math.max(this.min, v)) - this.min) / span) * 100 : 0);
    const [fillFrom, fillTo] = [pct(Math.min(origin, clamped)), pct(Math.max(origin, clamped))];
    const readout = this.formatValue(clamped);
    return html`
      <div class="header" part="header">
        <label part="label" for="input">${this.label}</label>
        <output part="value" for="input" aria-hidden="true">${readout}</output>
      </div>
      <input
        id="input"
        part="input"
        type="range"
        style="--_fill-from: ${fillFrom}%; --_fill-to: ${fillTo}%"
        min=${this.min}
        max=${this.max}
        step=${this.step}
        .value=${live(String(clamped))}
        ?disabled=${this.disabled}
        aria-valuetext=${readout}
        aria-describedby=${this.description ? 'description' : nothing}
        @input=${this.onInput}
      />
      ${this.description
        ? html`<div id="description" class="description" part="description">${this.description}</div>`
        : nothing}
    `;
  }

  private onInput(): void {
    const value = Number(this.input.value);
    if (!Number.isFinite(value) || value === this.value) return;
    this.value = value;
    fire<SliderChangeDetail>(this, 'rl-slider-change', { value });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rl-slider': SliderElement;
  }
}
