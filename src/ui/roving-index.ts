/**
 * Arrow-key navigation for roving-tabindex groups (radio groups, the preset grid): one item is tabbable, arrows
 * move between items. Pure, so the two elements that need it agree on the keys.
 */

/**
 * The index an arrow/Home/End key moves to, or null when the key is not a navigation key (or cannot move).
 * `columns` is the number of items per row: 1 for a plain list, where Up/Down act like Left/Right.
 * Left/Right wrap around (as in a radio group); Up/Down in a grid stop at the first/last row.
 */
export function rovingTarget(key: string, index: number, count: number, columns = 1): number | null {
  if (count <= 0) return null;
  const from = Math.min(Math.max(index, 0), count - 1);
  const wrap = (i: number) => (i + count) % count;
  switch (key) {
    case 'ArrowRight':
      return wrap(from + 1);
    case 'ArrowLeft':
      return wrap(from - 1);
    case 'ArrowDown':
      if (columns <= 1) return wrap(from + 1);
      return from + columns < count ? from + columns : null;
    case 'ArrowUp':
      if (columns <= 1) return wrap(from - 1);
      return from - columns >= 0 ? from - columns : null;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/** Items per row of a wrapped grid, measured from layout (items sharing the first item's top edge). */
export function columnsOf(items: readonly HTMLElement[]): number {
  if (items.length === 0) return 1;
  const top = items[0]!.offsetTop;
  let n = 0;
  for (const item of items) {
    if (Math.abs(item.offsetTop - top) > 1) break;
    n++;
  }
  return Math.max(1, n);
}
