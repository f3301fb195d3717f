/**
 * `<rl-preset-picker>`: the lighting presets as a grid of preview tiles. ARIA radio group with a roving tabindex.
 * Arrows (all four, the grid's real columns) move focus without selecting; Enter or Space selects. Selecting a
 * preset can mean loading and projecting an environment map, so focus alone must not trigger it (the APG
 * "radio group in a toolbar" variant).
 */
import { css, html, nothing } from 'lit';
import { customElement, property, queryAll, state } from 'lit/decorators.js';
import { ThemedElement } from './themed-element.js';
import { fire, type PresetChangeDetail } from './settings-events.js';
import { columnsOf, rovingTarget } from './roving-index.js';

/** One tile. `previewUrl` is any image URL (data: URLs from `presetPreviewUrl` in ./preset-previews.ts). */
export interface PresetItem {
  id: string;
  label: string;
  description: string;
  previewUrl?: string;
}

/**
 * A grid of lighting presets with previews.
 *
 * @fires rl-preset-change - `{id: string}` when the user selects a different preset (click, Enter, Space)
 * @csspart grid - the radiogroup grid
 * @csspart preset - each tile (role=radio)
 * @csspart preset-selected - the selected tile (in addition to `preset`)
 * @csspart preview - the preview image (or placeholder sphere when a preset has no previewUrl)
 * @csspart label - the tile caption
 * @cssprop --rl-preset-size - minimum tile width (default 76px)
 * @cssprop --rl-preview-bg - backdrop behind the (transparent-cornered) previews
 * @cssprop --rl-accent - selection ring and check mark
 * @cssprop --rl-surface - tile background
 */
@customElement('rl-preset-picker')
export class PresetPickerElement extends ThemedElement {
  static override styles = [
    ThemedElement.styles,
    css`
      :host {
        display: block;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(var(--rl-preset-size, 76px), 1fr));
        gap: 8px;
      }
      .preset {
        position: relative;
        display: flex;
        flex-direction: column;
        gap: 4px;
        padding: 4px;
        border-radius: var(--_radius);
        background: var(--_surface);
        border: 1px solid transparent;
        cursor: pointer;
        outline: none;
        transition: border-color 120ms ease, background 120ms ease;
        min-width: 0;
      }
      .preset:hover {
        border-color: var(--_border);
      }
      .preset[aria-checked='true'] {
        border-color: var(--_accent);
        box-shadow: inset 0 0 0 1px var(--_accent);
      }
      .preset:focus-visible {
        box-shadow: var(--_focus-ring);
      }
      .preview {
        display: block;
        width: 100%;
        aspect-ratio: 1;
        border-radius: calc(var(--_radius) - 4px);
        object-fit: contain;
        padding: 8%;
        /* Previews are lit spheres on transparency: a dark backdrop, like a studio, in both themes. */
        background: var(--rl-preview-bg, radial-gradient(circle at 50% 40%, #474c58 0, #262930 75%));
      }
      .preview.placeholder {
        background-image: radial-gradient(circle at 38% 34%, #f1eee8 0, #9ea3ad 30%, #41454f 64%, transparent 65%),
          var(--rl-preview-bg, radial-gradient(circle at 50% 40%, #474c58 0, #262930 75%));
      }
      .label {
        font-size: 0.88em;
        font-weight: 500;
        line-height: 1.2;
        min-height: 2.4em;
        text-align: center;
        color: var(--_fg);
        /* Two lines at most: "Desk lamp at night" fits a small tile without an ellipsis. */
        display: -webkit-box;
        -webkit-box-orient: vertical;
        -webkit-line-clamp: 2;
        line-clamp: 2;
        overflow: hidden;
        overflow-wrap: anywhere;
      }
      .check {
        position: absolute;
        top: 8px;
        right: 8px;
        width: 16px;
        height: 16px;
        border-radius: 50%;
        background: var(--_accent);
        color: var(--_accent-fg);
        display: grid;
        place-items: center;
        box-shadow: 0 0 0 2px var(--_surface);
      }
      .check svg {
        width: 10px;
        height: 10px;
      }
      .empty {
        color: var(--_muted);
        padding: 8px 0;
      }
      :host([disabled]) {
        opacity: 0.45;
        pointer-events: none;
      }
    `,
  ];

  @property({ attribute: false }) presets: PresetItem[] = [];
  /** Id of the selected preset. */
  @property() value = '';
  /** Accessible name of the group. */
  @property() label = 'Lighting preset';
  @property({ type: Boolean, reflect: true }) disabled = false;

  /** The tile that holds the tab stop (follows the selection until the user arrows away). */
  @state() private focusIndex = 0;

  @queryAll('[role="radio"]') private tiles!: NodeListOf<HTMLElement>;

  override focus(options?: FocusOptions): void {
    this.tiles[this.focusIndex]?.focus(options);
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('value') || changed.has('presets')) {
      const selected = this.presets.findIndex((p) => p.id === this.value);
      if (selected >= 0) this.focusIndex = selected;
      else if (this.focusIndex >= this.presets.length) this.focusIndex = 0;
    }
  }

  override render() {
    if (this.presets.length === 0) {
      return html`<div class="empty" part="grid" role="radiogroup" aria-label=${this.label}>No presets</div>`;
    }
    return html`
      <div class="grid" part="grid" role="radiogroup" aria-label=${this.label} @keydown=${this.onKeyDown}>
        ${this.presets.map((p, i) => {
          const selected = p.id === this.value;
          return html`
            <div
              class="preset"
              part=${selected ? 'preset preset-selected' : 'preset'}
              role="radio"
              aria-checked=${selected ? 'true' : 'false'}
              aria-describedby="desc-${i}"
              aria-disabled=${this.disabled ? 'true' : 'false'}
              tabindex=${i === this.focusIndex && !this.disabled ? 0 : -1}
              title=${p.description}
              data-id=${p.id}
              @click=${() => this.select(i)}
              @focus=${() => (this.focusIndex = i)}
            >
              ${p.previewUrl
                ? html`<img class="preview" part="preview" src=${p.previewUrl} alt="" draggable="false" />`
                : html`<span class="preview placeholder" part="preview" aria-hidden="true"></span>`}
              <span class="label" part="label">${p.label}</span>
              <span id="desc-${i}" class="visually-hidden">${p.description}</span>
              ${selected
                ? html`<span class="check" aria-hidden="true"
                    ><svg viewBox="0 0 10 10"><path d="M2 5.2 4.2 7.3 8 3" fill="none" stroke="currentColor"
                      stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" /></svg
                  ></span>`
                : nothing}
            </div>
          `;
        })}
      </div>
    `;
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (this.disabled) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.select(this.focusIndex);
      return;
    }
    const tiles = [...this.tiles];
    const next = rovingTarget(e.key, this.focusIndex, tiles.length, columnsOf(tiles));
    if (next === null) return;
    e.preventDefault();
    this.focusIndex = next;
    tiles[next]?.focus();
  }

  private select(index: number): void {
    const preset = this.presets[index];
    if (!preset || this.disabled) return;
    this.focusIndex = index;
    this.tiles[index]?.focus();
    if (preset.id === this.value) return;
    this.value = preset.id;
    fire<PresetChangeDetail>(this, 'rl-preset-change', { id: preset.id });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rl-preset-picker': PresetPickerElement;
  }
}
