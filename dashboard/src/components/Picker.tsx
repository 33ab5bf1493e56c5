/** A row of large links to the sibling pages (other machines, other zones), the current one marked. */
import type { ComponentChildren } from 'preact';

export interface PickerItem {
  key: string;
  href: string;
  label: ComponentChildren;
}

export function Picker({ items, current, label }: { items: PickerItem[]; current: string; label: string }) {
  if (items.length < 2) return null;
  return (
    <nav class="picker" aria-label={label}>
      <ul>
        {items.map((item) => (
          <li key={item.key}>
            <a href={item.href} aria-current={item.key === current ? 'page' : undefined}>
              {item.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
