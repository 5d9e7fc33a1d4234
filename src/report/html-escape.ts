/**
 * Text into HTML, as element content or an attribute value: the one escaper of the panel's HTML shell, the folder
 * scan's table and the self-contained HTML report (pure, so src/report/ can use it in the browser and in node).
 */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
