import { lang } from './i18n.ts';

/** Money is integer fen on the wire; shown as ¥ with two decimals, computed without floating point. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Instants in Asia/Shanghai, whatever the browser's zone. */
export function time(iso: string | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(lang.value === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: 'Asia/Shanghai',
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(iso));
}

/** "3 d 4 h" / "3天4小时" between two instants. */
export function duration(fromIso: string, to = Date.now()): string {
  const ms = Math.max(0, to - new Date(fromIso).getTime());
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor((ms % 86_400_000) / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  if (lang.value === 'zh') return days ? `${days}天${hours}小时` : hours ? `${hours}小时${minutes}分` : `${minutes}分`;
  return days ? `${days} d ${hours} h` : hours ? `${hours} h ${minutes} min` : `${minutes} min`;
}

export const bps = (value: number) => `${(value / 100).toFixed(2)}%`;
