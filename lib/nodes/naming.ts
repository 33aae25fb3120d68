// Names and private IPs of new nodes: derived from the pool and a counter, so a run repeats exactly, and never
// reused within a pool, so a finished job's `hostIps` cannot point at a node that came later.

import type { NodePool } from './types';

const NAME_PREFIX = 'os-node-created-';
const NAME_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Host numbers per /24 that the allocator hands out (.2 to .251): .0, .1 and the top few stay free. */
const HOSTS_PER_SUBNET = 250;

/** FNV-1a, 32 bits: a cheap, stable spread of `text`. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function suffix(seed: string): string {
  let value = fnv1a(seed);
  let text = '';
  for (let i = 0; i < 5; i++) {
    text += NAME_ALPHABET[value % NAME_ALPHABET.length];
    value = (Math.floor(value / NAME_ALPHABET.length) ^ fnv1a(`${seed}/${i}`)) >>> 0;
  }
  return text;
}

/** `os-node-created-xxxxx`, like the API's examples, unique among `taken`. */
export function nodeName(pool: string, serial: number, taken: ReadonlySet<string>): string {
  for (let salt = 0; ; salt++) {
    const name = `${NAME_PREFIX}${suffix(`${pool}#${serial}#${salt}`)}`;
    if (!taken.has(name)) return name;
  }
}

/** The `serial`-th address of the pool's subnet: 192.168.0.2, 192.168.0.3, ... */
export function nodeIp(serial: number): string {
  return `192.168.${Math.floor(serial / HOSTS_PER_SUBNET) % 256}.${(serial % HOSTS_PER_SUBNET) + 2}`;
}

/** Every IP a node has or a job was placed on: a new node must not take one of them. */
export function usedIps(pool: NodePool): Set<string> {
  const used = new Set(pool.nodes.map((node) => node.privateIp));
  for (const job of pool.jobs) for (const ip of job.hostIps) used.add(ip);
  return used;
}
