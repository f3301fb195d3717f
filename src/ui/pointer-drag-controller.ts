/**
 * A reactive controller for press-and-drag on one element: captures the pointer on press so the drag keeps
 * working outside the element, reports positions, and removes its listeners when the host disconnects (so a popup
 * closing mid-drag leaks nothing).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface PointerDragOptions {
  /** The element that receives presses; resolved lazily because it lives in the host's shadow root. */
  target: () => HTMLElement | null;
  /** Called on press and on every move while pressed. */
  onDrag: (e: PointerEvent, phase: 'start' | 'move') => void;
  onEnd?: (e: PointerEvent) => void;
}

export class PointerDragController implements ReactiveController {
  private el: HTMLElement | null = null;
  private activePointer: number | null = null;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly options: PointerDragOptions,
  ) {
    host.addController(this);
  }

  /** True while a drag is in progress. */
  get dragging(): boolean {
    return this.activePointer !== null;
  }

  hostConnected(): void {
    // The shadow content may not be rendered yet on first connect: attach after the host's first update.
    void this.host.updateComplete.then(() => this.attach());
  }

  hostUpdated(): void {
    this.attach();
  }

  hostDisconnected(): void {
    this.detach();
  }

  private attach(): void {
    if (!this.host.isConnected) return;
    const el = this.options.target();
    if (el === this.el) return;
    this.detach();
    if (!el) return;
    this.el = el;
    el.addEventListener('pointerdown', this.onDown);
    el.addEventListener('pointermove', this.onMove);
    el.addEventListener('pointerup', this.onUp);
    el.addEventListener('pointercancel', this.onUp);
    el.addEventListener('lostpointercapture', this.onLost);
  }

  private detach(): void {
    const el = this.el;
    if (!el) return;
    if (this.activePointer !== null && el.hasPointerCapture(this.activePointer)) {
      el.releasePointerCapture(this.activePointer);
    }
    this.activePointer = null;
    el.removeEventListener('pointerdown', this.onDown);
    el.removeEventListener('pointermove', this.onMove);
    el.removeEventListener('pointerup', this.onUp);
    el.removeEventListener('pointercancel', this.onUp);
    el.removeEventListener('lostpointercapture', this.onLost);
    this.el = null;
  }

  private onDown = (e: PointerEvent): void => {
    if (e.button !== 0 || this.activePointer !== null) return;
    this.activePointer = e.pointerId;
    this.el?.setPointerCapture(e.pointerId);
    e.preventDefault(); // no text selection / native drag while steering the light
    this.options.onDrag(e, 'start');
  };

  private onMove = (e: PointerEvent): void => {
    if (e.pointerId !== this.activePointer) return;
    this.options.onDrag(e, 'move');
  };

  private onUp = (e: PointerEvent): void => {
    if (e.pointerId !== this.activePointer) return;
    this.activePointer = null;
    if (this.el?.hasPointerCapture(e.pointerId)) this.el.releasePointerCapture(e.pointerId);
    this.options.onEnd?.(e);
  };

  private onLost = (e: PointerEvent): void => {
    if (e.pointerId === this.activePointer) this.activePointer = null;
  };
}
