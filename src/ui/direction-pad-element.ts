/**
 * `<rl-direction-pad>`: steer the key light by dragging on a shaded sphere. The sphere is lit (Lambert, with the
 * `softness` wrap the renderer uses for the key light) from the current direction, so the highlight follows the
 * pointer; a marker shows the light's position. Dragging off the sphere's edge moves the light behind the subject
 * (the ring around the sphere; see direction-math.ts for the mapping).
 *
 * Keyboard: Left/Right change azimuth, Up/Down elevation, by `step` degrees (Shift: `largeStep`); PageUp/PageDown
 * change elevation by `largeStep`; Home resets to `defaultValue`. Exposed as one role=slider whose value is the
 * azimuth and whose aria-valuetext says both angles ("35° right, 25° up").
 */
import { css, html, svg, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { DEFAULT_SETTINGS } from '../core/settings.js';
import { ThemedElement } from './themed-element.js';
import { fire, type DirectionChangeDetail } from './settings-events.js';
import { PointerDragController } from './pointer-drag-controller.js';
import {
  BACK_RING_OUTER,
  describeDirection,
  directionToPadPoint,
  directionToVector,
  normalizeDirection,
  padPointToDirection,
  type LightDirection,
} from './direction-math.js';

/** Pad half-extent in sphere radii: the ring plus room for the marker. */
const EXTENT = 1.36;
/** Internal resolution of the shading canvas (CSS scales it; the shading is smooth, so this is plenty). */
const SHADE_PX = 160;
/** Pointer positions this close to the rim (CSS px) snap onto it: pure side light is easy to hit. */
const RIM_SNAP_PX = 2;

/**
 * Key-light direction control.
 *
 * @fires rl-direction-change - `{azimuthDeg, elevationDeg}` on every change by the user (drag, keys, Home);
 *   angles in the src/core/settings.ts convention, rounded to 0.1 degree, always inside the schema's ranges.
 * @csspart pad - the focusable area (role=slider)
 * @csspart sphere - the shaded sphere (a canvas)
 * @csspart marker - the light's position
 * @csspart ring - the behind-the-subject ring
 * @csspart readout - the text under the pad
 * @cssprop --rl-pad-size - width and height of the pad (default 148px)
 * @cssprop --rl-accent - marker colour
 * @cssprop --rl-sphere-lit - colour of the sphere where fully lit (default warm white)
 * @cssprop --rl-sphere-shade - colour of the sphere in shadow
 */
@customElement('rl-direction-pad')
export class DirectionPadElement extends ThemedElement {
  static override styles = [
    ThemedElement.styles,
    css`
      :host {
        display: inline-flex;
        flex-direction: column;
        align-items: center;
        gap: 4px;
        --_pad-size: var(--rl-pad-size, 148px);
      }
      .pad {
        position: relative;
        width: var(--_pad-size);
        height: var(--_pad-size);
        border-radius: 50%;
        cursor: crosshair;
        touch-action: none;
        user-select: none;
        outline: none;
      }
      .pad:focus-visible {
        box-shadow: var(--_focus-ring);
      }
      canvas {
        position: absolute;
        left: calc(50% - 50% / ${EXTENT});
        top: calc(50% - 50% / ${EXTENT});
        width: calc(100% / ${EXTENT});
        height: calc(100% / ${EXTENT});
        border-radius: 50%;
        box-shadow: 0 2px 10px rgb(0 0 0 / 0.18);
      }
      svg {
        position: absolute;
        inset: 0;
        width: 100%;
        height: 100%;
        overflow: visible;
        pointer-events: none;
      }
      .ring {
        fill: none;
        stroke: var(--_border);
        stroke-width: 0.012;
        stroke-dasharray: 0.04 0.04;
      }
      .ring-zone {
        fill: var(--_surface);
      }
      .guide {
        fill: none;
        stroke: rgb(0 0 0 / 0.1);
        stroke-width: 0.01;
      }
      .marker {
        fill: var(--_accent);
        stroke: #fff;
        stroke-width: 0.035;
        filter: drop-shadow(0 0.02px 0.03px rgb(0 0 0 / 0.4));
      }
      .marker.behind {
        fill: var(--_surface-raised);
        stroke: var(--_accent);
        stroke-dasharray: 0.05 0.035;
      }
      .readout {
        color: var(--_muted);
        font-variant-numeric: tabular-nums;
        font-size: 0.92em;
      }
      :host([disabled]) .pad {
        opacity: 0.45;
        cursor: default;
        pointer-events: none;
      }
      :host([disabled]) .readout {
        opacity: 0.6;
      }
    `,
  ];

  /** The light direction (settings convention). */
  @property({ attribute: false }) value: LightDirection = {
    azimuthDeg: DEFAULT_SETTINGS.keyLight.azimuthDeg,
    elevationDeg: DEFAULT_SETTINGS.keyLight.elevationDeg,
  };
  /** What Home resets to. */
  @property({ attribute: false }) defaultValue: LightDirection = {
    azimuthDeg: DEFAULT_SETTINGS.keyLight.azimuthDeg,
    elevationDeg: DEFAULT_SETTINGS.keyLight.elevationDeg,
  };
  /** Key-light softness 0..1, only for the preview shading (wrapped Lambert). */
  @property({ type: Number }) softness = DEFAULT_SETTINGS.keyLight.softness;
  /** Degrees per arrow press. */
  @property({ type: Number }) step = 5;
  /** Degrees per Shift+arrow or PageUp/PageDown. */
  @property({ type: Number, attribute: 'large-step' }) largeStep = 15;
  /** Accessible name. */
  @property() label = 'Key light direction';
  @property({ type: Boolean, reflect: true }) disabled = false;

  @query('.pad') private pad!: HTMLElement;
  @query('canvas') private canvas!: HTMLCanvasElement;

  private shadeImage: ImageData | null = null;

  constructor() {
    super();
    new PointerDragController(this, {
      target: () => this.renderRoot.querySelector<HTMLElement>('.pad'),
      onDrag: (e, phase) => {
        if (this.disabled) return;
        if (phase === 'start') this.pad.focus({ preventScroll: true });
        this.setFromClient(e.clientX, e.clientY);
      },
    });
  }

  override focus(options?: FocusOptions): void {
    this.pad ? this.pad.focus(options) : super.focus(options);
  }

  /** The direction a viewport point on the pad stands for (what a press there would select). */
  directionAtClientPoint(clientX: number, clientY: number): LightDirection {
    const rect = this.canvas.getBoundingClientRect();
    const radiusPx = rect.width / 2;
    const px = (clientX - (rect.left + radiusPx)) / radiusPx;
    const py = -(clientY - (rect.top + rect.height / 2)) / radiusPx;
    return normalizeDirection(padPointToDirection(px, py, RIM_SNAP_PX / Math.max(radiusPx, 1)));
  }

  override render() {
    const dir = normalizeDirection(this.value);
    const p = directionToPadPoint(dir);
    const text = describeDirection(dir);
    return html`
      <div
        class="pad"
        part="pad"
        role="slider"
        tabindex=${this.disabled ? -1 : 0}
        aria-label=${this.label}
        aria-roledescription="direction pad"
        aria-valuemin="-180"
        aria-valuemax="180"
        aria-valuenow=${dir.azimuthDeg}
        aria-valuetext=${text}
        aria-describedby="help"
        aria-disabled=${this.disabled ? 'true' : 'false'}
        @keydown=${this.onKeyDown}
      >
        <svg viewBox="${-EXTENT} ${-EXTENT} ${2 * EXTENT} ${2 * EXTENT}" aria-hidden="true">
          <circle class="ring-zone" r=${BACK_RING_OUTER}></circle>
          <circle class="ring" part="ring" r=${BACK_RING_OUTER}></circle>
        </svg>
        <canvas width=${SHADE_PX} height=${SHADE_PX} part="sphere" aria-hidden="true"></canvas>
        <svg viewBox="${-EXTENT} ${-EXTENT} ${2 * EXTENT} ${2 * EXTENT}" aria-hidden="true">
          <ellipse class="guide" rx="1" ry="0.28"></ellipse>
          <ellipse class="guide" rx="0.28" ry="1"></ellipse>
          ${svg`<circle class="marker ${p.behind ? 'behind' : ''}" part="marker" cx=${p.x} cy=${-p.y} r="0.11"></circle>`}
        </svg>
      </div>
      <div class="readout" part="readout" aria-hidden="true">${text}</div>
      <span id="help" class="visually-hidden">
        Arrow keys move the light, Shift for larger steps, Home resets.
      </span>
    `;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('value') || changed.has('softness') || changed.has('theme') || !this.shadeImage) {
      this.paintSphere();
    }
  }

  /** Lambert shading of a unit sphere as the camera sees it, lit from `value`, wrapped by `softness`. */
  private paintSphere(): void {
    const ctx = this.canvas?.getContext('2d');
    if (!ctx) return;
    const img = this.shadeImage ?? ctx.createImageData(SHADE_PX, SHADE_PX);
    this.shadeImage = img;
    const style = getComputedStyle(this);
    const lit = parseHexColor(style.getPropertyValue('--rl-sphere-lit'), [255, 244, 226]);
    const shade = parseHexColor(style.getPropertyValue('--rl-sphere-shade'), [44, 48, 58]);
    const [lx, ly, lz] = directionToVector(this.value);
    const wrap = Math.min(1, Math.max(0, this.softness)) * 0.6;
    const half = SHADE_PX / 2;
    const data = img.data;
    for (let j = 0; j < SHADE_PX; j++) {
      const y = -(j + 0.5 - half) / half;
      for (let i = 0; i < SHADE_PX; i++) {
        const x = (i + 0.5 - half) / half;
        const r2 = x * x + y * y;
        const o = (j * SHADE_PX + i) * 4;
        if (r2 > 1) {
          data[o + 3] = 0;
          continue;
        }
        const z = Math.sqrt(1 - r2);
        const ndotl = x * lx + y * ly + z * lz;
        const lambert = Math.max(0, (ndotl + wrap) / (1 + wrap));
        // Not physically encoded on purpose: a linear ramp plus a small hotspot centred ON the light direction
        // (where the marker is) reads as "the light comes from there" far better than gamma-correct shading,
        // which looks almost uniformly lit for frontal lights.
        const hotspot = 0.22 * Math.pow(Math.max(0, ndotl), 24);
        const k = Math.min(1, 0.05 + 0.8 * lambert + hotspot);
        data[o] = shade[0] + (lit[0] - shade[0]) * k;
        data[o + 1] = shade[1] + (lit[1] - shade[1]) * k;
        data[o + 2] = shade[2] + (lit[2] - shade[2]) * k;
        // Antialiased rim: coverage of the last pixel.
        data[o + 3] = 255 * Math.min(1, (1 - Math.sqrt(r2)) * half + 0.5);
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  private setFromClient(clientX: number, clientY: number): void {
    this.commit(this.directionAtClientPoint(clientX, clientY));
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (this.disabled) return;
    const step = e.shiftKey ? this.largeStep : this.step;
    const { azimuthDeg, elevationDeg } = normalizeDirection(this.value);
    let next: LightDirection | null = null;
    switch (e.key) {
      case 'ArrowRight':
        next = { azimuthDeg: azimuthDeg + step, elevationDeg };
        break;
      case 'ArrowLeft':
        next = { azimuthDeg: azimuthDeg - step, elevationDeg };
        break;
      case 'ArrowUp':
        next = { azimuthDeg, elevationDeg: elevationDeg + step };
        break;
      case 'ArrowDown':
        next = { azimuthDeg, elevationDeg: elevationDeg - step };
        break;
      case 'PageUp':
        next = { azimuthDeg, elevationDeg: elevationDeg + this.largeStep };
        break;
      case 'PageDown':
        next = { azimuthDeg, elevationDeg: elevationDeg - this.largeStep };
        break;
      case 'Home':
        next = { ...this.defaultValue };
        break;
    }
    if (!next) return;
    e.preventDefault();
    this.commit(normalizeDirection(next));
  }

  private commit(next: LightDirection): void {
    const current = normalizeDirection(this.value);
    if (next.azimuthDeg === current.azimuthDeg && next.elevationDeg === current.elevationDeg) return;
    this.value = next;
    fire<DirectionChangeDetail>(this, 'rl-direction-change', { ...next });
  }
}

function parseHexColor(text: string, fallback: [number, number, number]): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(text.trim());
  if (!m) return fallback;
  const n = parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

declare global {
  interface HTMLElementTagNameMap {
    'rl-direction-pad': DirectionPadElement;
  }
}
