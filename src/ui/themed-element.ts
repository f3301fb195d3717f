/**
 * The base of every rl-* element: the design tokens (light and dark), the `theme` attribute and a few shared
 * helpers (visually-hidden text, focus ring).
 *
 * Theming works in two layers so a host page can restyle without touching internals:
 * - public custom properties (`--rl-accent`, `--rl-bg`, ...) are read with a fallback;
 * - private tokens (`--_accent`, ...) hold the resolved value and are what the element styles use.
 * The fallbacks differ between light and dark, chosen by `theme="light|dark"` or, with `theme="auto"` (default),
 * by `prefers-color-scheme`. Custom properties inherit through shadow roots, so setting `--rl-accent` once on a
 * container restyles every element inside it; composite elements forward `theme` to their children.
 */
import { LitElement, css, type CSSResultGroup } from 'lit';
import { property } from 'lit/decorators.js';

export type ThemeName = 'auto' | 'light' | 'dark';

const lightTokens = css`
  --_accent: var(--rl-accent, #4c63e6);
  --_accent-fg: var(--rl-accent-fg, #ffffff);
  --_bg: var(--rl-bg, #ffffff);
  --_fg: var(--rl-fg, #1a1c21);
  --_muted: var(--rl-muted, #626874);
  --_surface: var(--rl-surface, #f2f4f7);
  --_surface-raised: var(--rl-surface-raised, #ffffff);
  --_border: var(--rl-border, #dfe2e8);
  --_track: var(--rl-track, #d6dae2);
  --_ok: var(--rl-ok, #1d8a4e);
  --_warn: var(--rl-warn, #b25b00);
  --_error: var(--rl-error, #c42b2b);
  --_shadow: var(--rl-shadow, 0 1px 2px rgb(16 24 40 / 0.08), 0 4px 16px rgb(16 24 40 / 0.06));
  color-scheme: light;
`;

const darkTokens = css`
  --_accent: var(--rl-accent, #8096ff);
  --_accent-fg: var(--rl-accent-fg, #0d1020);
  --_bg: var(--rl-bg, #17181c);
  --_fg: var(--rl-fg, #eceef2);
  --_muted: var(--rl-muted, #9aa0ab);
  --_surface: var(--rl-surface, #23252b);
  --_surface-raised: var(--rl-surface-raised, #2c2f36);
  --_border: var(--rl-border, #33363e);
  --_track: var(--rl-track, #3b3f48);
  --_ok: var(--rl-ok, #4cc783);
  --_warn: var(--rl-warn, #f0a445);
  --_error: var(--rl-error, #ff6b6b);
  --_shadow: var(--rl-shadow, 0 1px 2px rgb(0 0 0 / 0.4), 0 4px 16px rgb(0 0 0 / 0.3));
  color-scheme: dark;
`;

export const themeStyles = css`
  :host {
    ${lightTokens}
    --_radius: var(--rl-radius, 10px);
    --_font: var(--rl-font, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', sans-serif);
    --_font-size: var(--rl-font-size, 13px);
    --_focus-ring: 0 0 0 2px var(--_bg), 0 0 0 4px var(--rl-focus, var(--_accent));
    font-family: var(--_font);
    font-size: var(--_font-size);
    line-height: 1.35;
    color: var(--_fg);
    box-sizing: border-box;
    -webkit-tap-highlight-color: transparent;
  }
  :host([theme='dark']) {
    ${darkTokens}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${darkTokens}
    }
  }
  :host([hidden]) {
    display: none !important;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;

/** Shared base: tokens + `theme`. Subclasses add their own styles after `themeStyles`. */
export class ThemedElement extends LitElement {
  static override styles: CSSResultGroup = [themeStyles];

  /** `light`, `dark` or `auto` (follow `prefers-color-scheme`). Reflected so the token rules can match it. */
  @property({ reflect: true }) theme: ThemeName = 'auto';
}
