/**
 * `<rl-light-controls>`: the four sliders that shape the target light (strength, intensity, warmth, fill).
 * Intensity is an exposure multiplier (0.25..4), so its slider runs in stops (log2) and reads as "x1.41": equal
 * slider travel is an equal perceived brightness step.
 */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { DEFAULT_SETTINGS, type RelightSettings } from '../core/settings.js';
import { ThemedElement } from './themed-element.js';
import { fireSettingsPatch } from './settings-events.js';
import './slider-element.js';

/** The settings this element edits (a full RelightSettings works too). */
export type LightControlValues = Pick<RelightSettings, 'strength' | 'intensity' | 'warmth' | 'fill'>;

const MIN_STOPS = -2; // log2(0.25)
const MAX_STOPS = 2; // log2(4)

export function formatWarmth(v: number): string {
  const pct = Math.round(Math.abs(v) * 100);
  if (pct === 0) return 'Neutral';
  return `${v > 0 ? 'Warm' : 'Cool'} ${pct}`;
}

export function formatMultiplier(v: number): string {
  return `×${v.toFixed(2)}`;
}

export function formatIntensityStops(stops: number): string {
  return formatMultiplier(Math.pow(2, stops));
}

/**
 * Strength, intensity, warmth and fill sliders.
 *
 * @fires rl-settings-change - a validated `Partial<RelightSettings>` with the one key the user changed
 * @fires rl-settings-error - `{message, rejected}` if a change would produce an invalid patch (then no
 *   rl-settings-change fires)
 * @csspart slider - each rl-slider (also `slider-strength`, `slider-intensity`, `slider-warmth`, `slider-fill`)
 * @cssprop --rl-accent - slider fill and thumbs
 * @cssprop --rl-warmth-track - the warmth slider's track (default: a cool-to-warm gradient)
 */
@customElement('rl-light-controls')
export class LightControlsElement extends ThemedElement {
  static override styles = [
    ThemedElement.styles,
    css`
      :host {
        display: grid;
        gap: 10px;
      }
      .warmth {
        --rl-slider-track: var(--rl-warmth-track, linear-gradient(to right, #8fb8ff, #d8dbe2 50%, #ffb768));
      }
      :host([disabled]) {
        pointer-events: none;
      }
    `,
  ];

  @property({ attribute: false }) settings: LightControlValues = {
    strength: DEFAULT_SETTINGS.strength,
    intensity: DEFAULT_SETTINGS.intensity,
    warmth: DEFAULT_SETTINGS.warmth,
    fill: DEFAULT_SETTINGS.fill,
  };
  @property({ type: Boolean, reflect: true }) disabled = false;

  override focus(options?: FocusOptions): void {
    this.renderRoot.querySelector('rl-slider')?.focus(options);
  }

  override render() {
    const s = this.settings;
    const stops = Math.log2(Math.min(4, Math.max(0.25, s.intensity)));
    return html`
      <rl-slider
        part="slider slider-strength"
        theme=${this.theme}
        label="Strength"
        description="How much of the new light replaces the camera's"
        min="0"
        max="1"
        step="0.01"
        unit="%"
        display-scale="100"
        .value=${live(s.strength)}
        ?disabled=${this.disabled}
        @rl-slider-change=${(e: CustomEvent<{ value: number }>) => this.emit(e, { strength: e.detail.value })}
      ></rl-slider>
      <rl-slider
        part="slider slider-intensity"
        theme=${this.theme}
        label="Intensity"
        min=${MIN_STOPS}
        max=${MAX_STOPS}
        step="0.05"
        .format=${formatIntensityStops}
        .value=${live(stops)}
        ?disabled=${this.disabled}
        @rl-slider-change=${(e: CustomEvent<{ value: number }>) =>
          this.emit(e, { intensity: roundTo(Math.pow(2, e.detail.value), 4) })}
      ></rl-slider>
      <rl-slider
        class="warmth"
        part="slider slider-warmth"
        theme=${this.theme}
        label="Warmth"
        min="-1"
        max="1"
        step="0.05"
        .format=${formatWarmth}
        .value=${live(s.warmth)}
        ?disabled=${this.disabled}
        @rl-slider-change=${(e: CustomEvent<{ value: number }>) => this.emit(e, { warmth: e.detail.value })}
      ></rl-slider>
      <rl-slider
        part="slider slider-fill"
        theme=${this.theme}
        label="Fill"
        description="Soft light that lifts the shadows"
        min="0"
        max="1"
        step="0.01"
        unit="%"
        display-scale="100"
        .value=${live(s.fill)}
        ?disabled=${this.disabled}
        @rl-slider-change=${(e: CustomEvent<{ value: number }>) => this.emit(e, { fill: e.detail.value })}
      ></rl-slider>
    `;
  }

  private emit(e: Event, patch: Partial<LightControlValues>): void {
    // The slider's own event stops here: outside, this element speaks only in settings patches.
    e.stopPropagation();
    const clean = fireSettingsPatch(this, patch, 'LightControlsElement');
    if (clean) this.settings = { ...this.settings, ...clean };
    else this.requestUpdate(); // the live() bindings put the slider back to the last valid value
  }
}

function roundTo(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

declare global {
  interface HTMLElementTagNameMap {
    'rl-light-controls': LightControlsElement;
  }
}
