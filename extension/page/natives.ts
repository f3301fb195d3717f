/**
 * Native functions captured when the MAIN-world patch is injected (document_start, before any page script), so
 * that a page which later replaces `MediaStreamTrack.prototype.stop`, `dispatchEvent` and friends cannot redirect
 * the patch's own calls. `uncurry(fn)(thisArg, ...args)` calls the captured function without going through the
 * (replaceable) `Function.prototype.call`.
 */
function uncurry<T, A extends unknown[], R>(fn: (this: T, ...args: A) => R): (self: T, ...args: A) => R {
  // Bound now, at injection: later changes to Function.prototype.call/bind do not affect the result.
  return Function.prototype.call.bind(fn) as unknown as (self: T, ...args: A) => R;
}

const Track = MediaStreamTrack.prototype;
const Stream = MediaStream.prototype;

export const natives = {
  getUserMedia: typeof MediaDevices === 'function' ? MediaDevices.prototype.getUserMedia : undefined,
  apply: Reflect.apply,
  MediaStream,
  MouseEvent,
  Event,
  trackStop: uncurry(Track.stop),
  trackClone: uncurry(Track.clone),
  trackGetSettings: uncurry(Track.getSettings),
  trackGetConstraints: uncurry(Track.getConstraints),
  trackGetCapabilities: uncurry(Track.getCapabilities),
  trackApplyConstraints: uncurry(Track.applyConstraints),
  trackLabel: uncurry(Object.getOwnPropertyDescriptor(Track, 'label')!.get! as (this: MediaStreamTrack) => string),
  trackReadyState: uncurry(Object.getOwnPropertyDescriptor(Track, 'readyState')!.get! as (this: MediaStreamTrack) => string),
  trackId: uncurry(Object.getOwnPropertyDescriptor(Track, 'id')!.get! as (this: MediaStreamTrack) => string),
  streamGetVideoTracks: uncurry(Stream.getVideoTracks),
  streamGetAudioTracks: uncurry(Stream.getAudioTracks),
  streamGetTracks: uncurry(Stream.getTracks),
  streamAddTrack: uncurry(Stream.addTrack),
  streamRemoveTrack: uncurry(Stream.removeTrack),
  addEventListener: uncurry(EventTarget.prototype.addEventListener),
  dispatchEvent: uncurry(EventTarget.prototype.dispatchEvent),
  createElement: uncurry(Document.prototype.createElement) as (doc: Document, tag: 'video') => HTMLVideoElement,
  srcObjectSet: uncurry(Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject')!.set! as (this: HTMLMediaElement, v: MediaProvider | null) => void),
  srcObjectGet: uncurry(Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject')!.get! as (this: HTMLMediaElement) => MediaProvider | null),
  portPostMessage: uncurry(MessagePort.prototype.postMessage as (this: MessagePort, message: unknown) => void),
  getRandomValues: crypto.getRandomValues.bind(crypto),
  defineProperties: Object.defineProperties,
  setTimeout: setTimeout.bind(globalThis),
  clearTimeout: clearTimeout.bind(globalThis),
  warn: console.warn.bind(console),
};
