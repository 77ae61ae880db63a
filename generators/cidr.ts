export interface Cidr {
  text: string;
  first: number;
  last: number;
}

/** Parses an IPv4 CIDR whose host bits are zero; returns undefined for anything else. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  if (address % size !== 0) return undefined;
  return { text, first: address, last: address + size - 1 };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** The address `offset` places after the network address of a CIDR. */
export function addressAt(cidr: Cidr, offset: number): string {
  const address = cidr.first + offset;
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** Whether an IPv4 address lies inside a CIDR. */
export function contains(cidr: Cidr, ip: string): boolean {
  const host = parseCidr(`${ip}/32`);
  return host !== undefined && overlaps(cidr, host);
}
