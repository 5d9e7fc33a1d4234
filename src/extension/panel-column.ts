/**
 * Where the report panel opens (issue #23 item 10: "with two editors open the panel becomes a third narrow column").
 * One editor group: beside it, which makes the second column. Two or more groups already: into an existing group
 * next to the active one (the right neighbour, or the left one when the active group is the last), so the panel
 * takes over a column the user already has instead of splitting the window into thirds.
 */

/** 'beside' = ViewColumn.Beside; a number = that existing view column (1-based). */
export type PanelColumn = 'beside' | number;

export function panelColumn(activeColumn: number | undefined, groupCount: number): PanelColumn {
  if (groupCount < 2 || activeColumn === undefined) return 'beside';
  return activeColumn < groupCount ? activeColumn + 1 : activeColumn - 1;
}
