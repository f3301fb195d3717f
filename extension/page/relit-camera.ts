/**
 * Makes the relit track (a MediaStreamTrackGenerator made by the engine in the isolated world) behave like the
 * camera track it replaces, as seen by the page (MAIN world):
 *
 * - `getSettings/getConstraints/getCapabilities/applyConstraints` and `label` are the camera's (the page shows the
 *   camera name, reads the resolution, changes it with applyConstraints).
 * - `clone()` returns another relit track (a native clone of the generator track, wrapped the same way).
 * - `stop()` stops that track; the camera itself stops (its light goes off) and the session is released when the
 *   LAST relit track of this camera is stopped, which is how clones of a real camera track behave.
 * - When the camera ends by itself (unplugged, revoked), every relit track ends and fires `ended`.
 * - `enabled`, `muted`, `readyState`, `id`, `kind`, `contentHint` are the generator track's own, natively.
 *
 * The properties are own properties of each track object (not prototype changes), so other tracks are untouched.
 */
import { natives } from './natives.js';

export class RelitCamera {
  private readonly live = new Set<MediaStreamTrack>();
  private released = false;

  constructor(
    private readonly camera: MediaStreamTrack,
    first: MediaStreamTrack,
    private readonly onReleased: () => void,
  ) {
    this.adopt(first);
    natives.addEventListener(camera, 'ended', () => this.cameraEnded());
  }

  /** Number of relit tracks not yet stopped. */
  get liveTracks(): number {
    return this.live.size;
  }

  adopt(track: MediaStreamTrack): MediaStreamTrack {
    const camera = this.camera;
    this.live.add(track);
    natives.defineProperties(track, {
      getSettings: method('getSettings', () => natives.trackGetSettings(camera)),
      getConstraints: method('getConstraints', () => natives.trackGetConstraints(camera)),
      getCapabilities: method('getCapabilities', () => natives.trackGetCapabilities(camera)),
      applyConstraints: method('applyConstraints', (c?: MediaTrackConstraints) => natives.trackApplyConstraints(camera, c)),
      label: { get: () => natives.trackLabel(camera), configurable: true, enumerable: true },
      stop: method('stop', () => {
        natives.trackStop(track);
        this.release(track);
      }),
      clone: method('clone', () => this.adopt(natives.trackClone(track))),
    });
    return track;
  }

  /** A MediaStream.clone() that clones our tracks through their own (patched) clone. */
  patchStream(stream: MediaStream): void {
    natives.defineProperties(stream, {
      clone: method('clone', () => {
        const copy = new natives.MediaStream(natives.streamGetTracks(stream).map((t) => t.clone()));
        this.patchStream(copy);
        return copy;
      }),
    });
  }

  private release(track: MediaStreamTrack): void {
    if (!this.live.delete(track) || this.live.size > 0) return;
    this.finish();
  }

  private cameraEnded(): void {
    const tracks = [...this.live];
    this.live.clear();
    for (const t of tracks) {
      if (natives.trackReadyState(t) === 'ended') continue;
      natives.trackStop(t);
      // stop() does not fire `ended`; a camera that goes away does, and pages listen for it.
      natives.dispatchEvent(t, new natives.Event('ended'));
    }
    this.finish();
  }

  private finish(): void {
    if (this.released) return;
    this.released = true;
    natives.trackStop(this.camera);
    this.onReleased();
  }
}

/** A non-enumerable own method, like the prototype methods it shadows. */
function method(name: string, fn: (...args: never[]) => unknown): PropertyDescriptor {
  Object.defineProperty(fn, 'name', { value: name });
  return { value: fn, writable: true, configurable: true, enumerable: false };
}
