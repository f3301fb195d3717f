/** Passthrough stage (a copy of the frame): the floor for benchmarks and a test double. */
import { trackOpen } from '../core/leak-tracker.js';
import type { FrameStage, StageInput, StageTimings } from './stage.js';

export class NullStage implements FrameStage {
  readonly name = 'null';
  async init(): Promise<void> {}
  async process({ frame }: StageInput): Promise<VideoFrame> {
    return trackOpen('VideoFrame', frame.clone());
  }
  lastTimings(): StageTimings {
    return {};
  }
  backend(): string {
    return 'none';
  }
  dispose(): void {}
}
