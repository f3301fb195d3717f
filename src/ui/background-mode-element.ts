/**
 * `<rl-background-mode>`: keep / dim / relight as a segmented control. ARIA radio group with a roving tabindex:
 * Tab enters on the selected option, arrows move AND select (the standard radio-group behaviour; the choice is
 * cheap for the pipeline to apply).
 */
import { css, html } from 'lit';
import { customElement, property, queryAll } from 'lit/decorators.js';
import type { BackgroundMode } from '../core/settings.js';
import { ThemedElement } from './themed-element.js';
import { fire, type BackgroundChangeDetail } from './settings-events.js';
import { rovingTarget } from './roving-index.js';

export interface BackgroundModeOption {
  mode: BackgroundMode;
  label: string;
  description: string;
}

export const BACKGROUND_MODE_OPTIONS: readonly BackgroundModeOption[] = [
  { mode: 'keep', label: 'Keep', description: 'Background unchanged' },
  { mode: 'dim', label: 'Dim', description: 'Background darkened to focus on you' },
  { mode: 'relight', label: 'Relight', description: 'Background lit like you' },
];

/**
 * Segmented control for the background mode.
 *
 * @fires rl-background-change - `{mode: 'keep' | 'dim' | 'relight'}` when the user picks another mode
 * @csspart group - the radiogroup container
 * @csspart option - each segment (role=radio)
 * @csspart option-selected - the selected segment (in addition to `option`)
 * @cssprop --rl-surface - group background
 * @cssprop --rl-surface-raised - selected segment background
 * @cssprop --rl-accent - selected segment text and focus ring
 */
@customElement('rl-background-mode')
export class BackgroundModeElement extends ThemedElement {
  static override styles = [
    ThemedElement.styles,
    css`
      :host {
        display: block;
      }
      .group {
        display: grid;
        grid-auto-flow: column;
        grid-auto-columns: 1fr;
        gap: 2px;
        padding: 3px;
        border-radius: var(--_radius);
        background: var(--_surface);
        border: 1px solid var(--_border);
      }
      .option {
        all: unset;
        box-sizing: border-box;
        text-align: center;
        padding: 6px 8px;
        border-radius: calc(var(--_radius) - 3px);
        color: var(--_muted);
        font: inherit;
        font-weight: 500;
        cursor: pointer;
        transition: background 120ms ease, color 120ms ease;
      }
      .option:hover {
        color: var(--_fg);
      }
      .option[aria-checked='true'] {
        background: var(--_surface-raised);
        color: var(--_fg);
        box-shadow: 0 1px 2px rgb(0 0 0 / 0.12), 0 0 0 1px var(--_border);
      }
      .option:focus-visible {
        box-shadow: var(--_focus-ring);
      }
      :host([disabled]) {
        opacity: 0.45;
        pointer-events: none;
      }
    `,
  ];

  @property() value: BackgroundMode = 'keep';
  /** Accessible name of the group. */
  @property() label = 'Background';
  @property({ type: Boolean, reflect: true }) disabled = false;

  @queryAll('[role="radio"]') private options!: NodeListOf<HTMLElement>;

  override focus(options?: FocusOptions): void {
    const index = Math.max(0, BACKGROUND_MODE_OPTIONS.findIndex((o) => o.mode === this.value));
    this.options[index]?.focus(options);
  }

  override render() {
    const selected = BACKGROUND_MODE_OPTIONS.some((o) => o.mode === this.value) ? this.value : 'keep';
    return html`
      <div class="group" part="group" role="radiogroup" aria-label=${this.label} @keydown=${this.onKeyDown}>
        ${BACKGROUND_MODE_OPTIONS.map(
          (o) => html`
            <div
              class="option"
              part=${o.mode === selected ? 'option option-selected' : 'option'}
              role="radio"
              aria-checked=${o.mode === selected ? 'true' : 'false'}
              aria-disabled=${this.disabled ? 'true' : 'false'}
              tabindex=${o.mode === selected && !this.disabled ? 0 : -1}
              title=${o.description}
              data-mode=${o.mode}
              @click=${() => this.select(o.mode, true)}
            >
              ${o.label}
            </div>
          `,
        )}
      </div>
    `;
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (this.disabled) return;
    const current = BACKGROUND_MODE_OPTIONS.findIndex((o) => o.mode === this.value);
    let next: number | null;
    if (e.key === ' ' || e.key === 'Enter') next = current;
    else next = rovingTarget(e.key, current, BACKGROUND_MODE_OPTIONS.length, 1);
    if (next === null) return;
    e.preventDefault();
    this.select(BACKGROUND_MODE_OPTIONS[next]!.mode, true);
  }

  private async select(mode: BackgroundMode, focus: boolean): Promise<void> {
    if (this.disabled) return;
    const changed = mode !== this.value;
    this.value = mode;
    if (changed) fire<BackgroundChangeDetail>(this, 'rl-background-change', { mode });
    if (focus) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>(`[data-mode="${mode}"]`)?.focus();
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rl-background-mode': BackgroundModeElement;
  }
}
