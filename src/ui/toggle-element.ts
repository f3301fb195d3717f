/**
 * `<rl-toggle>`: an on/off switch. It is a `<button role="switch">` so Space and Enter work natively and screen
 * readers announce "switch, on/off"; the visible label is the button's content, hence its accessible name.
 */
import { css, html, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { ThemedElement } from './themed-element.js';
import { fire, type ToggleChangeDetail } from './settings-events.js';

/**
 * An on/off switch with a label.
 *
 * @fires rl-toggle-change - `{checked: boolean}` when the user flips it (click, Space, Enter)
 * @csspart switch - the button (role=switch), the whole row
 * @csspart label - the label text
 * @csspart track - the switch track
 * @csspart thumb - the switch knob
 * @cssprop --rl-accent - track colour when on
 * @cssprop --rl-track - track colour when off
 * @cssprop --rl-fg - label colour
 */
@customElement('rl-toggle')
export class ToggleElement extends ThemedElement {
  static override shadowRootOptions: ShadowRootInit = { ...ThemedElement.shadowRootOptions, delegatesFocus: true };

  static override styles = [
    ThemedElement.styles,
    css`
      :host {
        display: block;
      }
      button {
        all: unset;
        box-sizing: border-box;
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 12px;
        width: 100%;
        min-height: 28px;
        padding: 2px 0;
        cursor: pointer;
        border-radius: 6px;
        font: inherit;
        color: inherit;
      }
      button:focus-visible .track {
        box-shadow: var(--_focus-ring);
      }
      .label {
        font-weight: 500;
      }
      .track {
        position: relative;
        flex: none;
        width: 36px;
        height: 20px;
        border-radius: 999px;
        background: var(--_track);
        transition: background 140ms ease;
      }
      .thumb {
        position: absolute;
        top: 2px;
        left: 2px;
        width: 16px;
        height: 16px;
        border-radius: 50%;
        background: #fff;
        box-shadow: 0 1px 2px rgb(0 0 0 / 0.3);
        transition: transform 140ms ease;
      }
      [aria-checked='true'] .track {
        background: var(--_accent);
      }
      [aria-checked='true'] .thumb {
        transform: translateX(16px);
      }
      :host([disabled]) {
        opacity: 0.45;
      }
      :host([disabled]) button {
        cursor: default;
      }
      @media (prefers-reduced-motion: reduce) {
        .track,
        .thumb {
          transition: none;
        }
      }
    `,
  ];

  @property() label = '';
  @property({ type: Boolean, reflect: true }) checked = false;
  @property({ type: Boolean, reflect: true }) disabled = false;
  /** Accessible name when the visible label should differ (e.g. an icon-only header switch). */
  @property({ attribute: 'accessible-label' }) accessibleLabel = '';

  @query('button') private button!: HTMLButtonElement;

  override focus(options?: FocusOptions): void {
    this.button ? this.button.focus(options) : super.focus(options);
  }

  override render() {
    return html`
      <button
        part="switch"
        role="switch"
        type="button"
        aria-checked=${this.checked ? 'true' : 'false'}
        aria-label=${this.accessibleLabel || nothing}
        ?disabled=${this.disabled}
        @click=${this.onClick}
      >
        <span class="label" part="label">${this.label}</span>
        <span class="track" part="track"><span class="thumb" part="thumb"></span></span>
      </button>
    `;
  }

  private onClick(): void {
    if (this.disabled) return;
    this.checked = !this.checked;
    fire<ToggleChangeDetail>(this, 'rl-toggle-change', { checked: this.checked });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rl-toggle': ToggleElement;
  }
}
