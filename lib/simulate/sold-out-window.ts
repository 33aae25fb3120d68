// A sold-out window and the one question asked of it (lib/simulate/sold-out.ts has the platform's rules): a leaf,
// so that the world, the traces and the platform's rules can all use it.

/** One sold-out window; without `flavor` it holds for every flavor in the AZ. */
export interface SoldOutWindow {
  flavor?: string;
  az: string;
  /** Seconds from the start: sold out from `from` (included) to `to` (excluded). */
  from: number;
  to: number;
}

export const soldOutAt = (
  windows: readonly SoldOutWindow[],
  flavor: string,
  az: string,
  t: number,
): boolean =>
  windows.some(
    (w) => w.az === az && (w.flavor === undefined || w.flavor === flavor) && w.from <= t && t < w.to,
  );
