/**
 * The protocol between the MAIN-world patch (extension/page/) and the isolated-world bridge (extension/content/).
 *
 * Channel: at document_start, before any page script exists, the bridge creates a MessageChannel and hands one
 * port to the patch with `window.postMessage`; the patch takes the first such message (its capture listener is the
 * first one registered on the window) and stops it there. From then on they talk over the port only, which page
 * scripts cannot post into. The bridge never listens to window messages at all.
 *
 * Camera hand-off: MediaStreams cannot be posted, but both worlds share the DOM, and a DOM node read from another
 * world is the same C++ object. The patch puts the camera track in a detached <video>'s `srcObject`, names that
 * element as the `relatedTarget` of a synthetic MouseEvent (whose numeric `detail` is a random request id) and
 * dispatches it on `document` synchronously; the bridge's listener keeps the element, the patch then sends
 * `process` with the same id over the port, and the bridge answers by putting the relit stream in the same
 * element's `srcObject`.
 *
 * What the page can learn or do: the patch lives in the page's realm, so a page can always talk to the bridge as
 * the patch would. That only lets it ask for ITS OWN camera stream to be processed with the user's settings, on a
 * site the user turned on. Settings never cross to the page side, and nothing a page sends can change them (there
 * is no message for it); every message is parsed strictly and anything else is dropped.
 */

export const CONNECT_MARK = '__relightExtensionConnect';
export const PROTOCOL_VERSION = 1;
export const HANDOFF_EVENT = 'relight-extension-handoff';

export type PageToBridge =
  /** The element named by HANDOFF_EVENT with this id holds camera track `trackId`: relight it. */
  | { type: 'process'; id: number; trackId: string }
  /** Every relit track of request `id` was stopped (or the camera ended): release the session. */
  | { type: 'stopped'; id: number }
  /** The patch gave up on request `id` (fail open) and returned the camera: why. */
  | { type: 'error'; id: number; message: string };

export type BridgeToPage =
  /** The element now holds the relit stream; its video track has id `trackId`. */
  | { type: 'relit'; id: number; trackId: string }
  /** Leave the camera as it is: 'off' (not enabled for this site) or 'failed' (see the popup for why). */
  | { type: 'passthrough'; id: number; reason: 'off' | 'failed' };

const MAX_STRING = 200;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 0x7fffffff;
}

function isShortString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_STRING;
}

/** Null for anything that is not exactly a known message (unknown keys included). */
export function parsePageToBridge(data: unknown): PageToBridge | null {
  if (!isRecord(data) || !isId(data.id)) return null;
  const keys = Object.keys(data).sort().join(',');
  switch (data.type) {
    case 'process':
      return keys === 'id,trackId,type' && isShortString(data.trackId) ? { type: 'process', id: data.id, trackId: data.trackId } : null;
    case 'stopped':
      return keys === 'id,type' ? { type: 'stopped', id: data.id } : null;
    case 'error':
      return keys === 'id,message,type' && typeof data.message === 'string'
        ? { type: 'error', id: data.id, message: data.message.slice(0, MAX_STRING) }
        : null;
    default:
      return null;
  }
}

export function parseBridgeToPage(data: unknown): BridgeToPage | null {
  if (!isRecord(data) || !isId(data.id)) return null;
  if (data.type === 'relit' && isShortString(data.trackId)) return { type: 'relit', id: data.id, trackId: data.trackId };
  if (data.type === 'passthrough' && (data.reason === 'off' || data.reason === 'failed')) {
    return { type: 'passthrough', id: data.id, reason: data.reason };
  }
  return null;
}

/** The connect message: `{[CONNECT_MARK]: PROTOCOL_VERSION}` with exactly one port. */
export function isConnectMessage(data: unknown, ports: readonly MessagePort[]): boolean {
  return isRecord(data) && data[CONNECT_MARK] === PROTOCOL_VERSION && Object.keys(data).length === 1 && ports.length === 1;
}
