import { describe, expect, it } from 'vitest';
import { MalformedConfigError, readConfigReply } from '../../../../src/cluster/discovery/index.js';
import { configReply } from '../../../helpers/config-endpoint.js';

const read = (text: string) => readConfigReply(Buffer.from(text, 'latin1'));

/** AWS's own example of a three-node answer, byte for byte (191 bytes of value). */
const AWS_EXAMPLE =
  'CONFIG cluster 0 191\r\n' +
  '1\n' +
  'test1.rtstcw.0001.apne1.cache.amazonaws.com|172.31.12.60|11211 ' +
  'test1.rtstcw.0002.apne1.cache.amazonaws.com|172.31.3.240|11211 ' +
  'test1.rtstcw.0003.apne1.cache.amazonaws.com|172.31.10.26|11211\n' +
  '\r\nEND\r\n';

describe('readConfigReply', () => {
  it("reads ElastiCache's documented answer: the version, then each hostname|ip|port", () => {
    expect(read(AWS_EXAMPLE)).toEqual({
      kind: 'config',
      config: {
        version: 1,
        nodes: [
          {
            hostname: 'test1.rtstcw.0001.apne1.cache.amazonaws.com',
            ip: '172.31.12.60',
            port: 11211,
          },
          {
            hostname: 'test1.rtstcw.0002.apne1.cache.amazonaws.com',
            ip: '172.31.3.240',
            port: 11211,
          },
          {
            hostname: 'test1.rtstcw.0003.apne1.cache.amazonaws.com',
            ip: '172.31.10.26',
            port: 11211,
          },
        ],
      },
    });
  });

  it('reads the legacy VALUE AmazonElastiCache:cluster form the same way', () => {
    const reply = read(
      configReply(12, [{ port: 11211 }, { hostname: 'b.example', ip: '', port: 11212 }], true),
    );
    expect(reply).toEqual({
      kind: 'config',
      config: {
        version: 12,
        nodes: [
          { hostname: '127.0.0.1', ip: '127.0.0.1', port: 11211 },
          { hostname: 'b.example', ip: '', port: 11212 },
        ],
      },
    });
  });

  it('waits for more bytes (undefined) at every cut of a good answer, and reads it once whole', () => {
    for (let cut = 0; cut < AWS_EXAMPLE.length; cut++) {
      expect(read(AWS_EXAMPLE.slice(0, cut))).toBeUndefined();
    }
    expect(read(AWS_EXAMPLE)?.kind).toBe('config');
  });

  it('says when the server does not know the command (ERROR)', () => {
    expect(read('ERROR\r\n')).toEqual({ kind: 'unknown-command' });
  });

  const good = (value: string): string =>
    `CONFIG cluster 0 ${Buffer.byteLength(value)}\r\n${value}\r\nEND\r\n`;
  const malformed: Array<[string, string]> = [
    ['another reply', 'VALUE foo 0 1\r\nx\r\nEND\r\n'],
    ['a server error', 'SERVER_ERROR out of memory\r\n'],
    ['a legacy miss (END alone)', 'END\r\n'],
    ['a byte count that is not a number', 'CONFIG cluster 0 abc\r\n'],
    ['a value too large to be a config', 'CONFIG cluster 0 9999999\r\n'],
    ['a first line that never ends', 'x'.repeat(2000)],
    ['no END after the value', 'CONFIG cluster 0 4\r\n1\na\n\r\nEXIT\r\n'],
    ['bytes after END', `${good('1\n127.0.0.1|127.0.0.1|11211\n')}junk`],
    ['a version that is not a number', good('v1\n127.0.0.1|127.0.0.1|11211\n')],
    ['no node line', good('1\n')],
    ['an empty node list', good('1\n\n')],
    ['an entry of two fields', good('1\nhost|11211\n')],
    ['an entry with neither hostname nor ip', good('1\n||11211\n')],
    ['a port out of range', good('1\nhost|10.0.0.1|65536\n')],
    ['a port that is not a number', good('1\nhost|10.0.0.1|http\n')],
    ['an ip that is not one', good('1\nhost|10.0.0.300|11211\n')],
    ['a hostname with spaces or symbols', good('1\nbad/host|10.0.0.1|11211\n')],
    ['the same node twice', good('1\na|10.0.0.1|11211 a|10.0.0.1|11211\n')],
    ['a third line', good('1\na|10.0.0.1|11211\nmore\n')],
    ['binary noise', '\x00\x01\x02\xff\r\n'],
  ];
  it.each(malformed)('refuses %s with MalformedConfigError', (_, text) => {
    expect(() => read(text)).toThrow(MalformedConfigError);
  });

  it('refuses a list of more than 10,000 nodes (a 1 MB list of 119,000 held the event loop 42 s and 450 MB for the ring), and takes 10,000', () => {
    const list = (n: number): string =>
      Array.from({ length: n }, (_, i) => `n${Math.floor(i / 60000)}||${1 + (i % 60000)}`).join(
        ' ',
      );
    const many = read(good(`1\n${list(10_000)}\n`));
    expect(many?.kind === 'config' && many.config.nodes.length).toBe(10_000);
    expect(() => read(good(`1\n${list(10_001)}\n`))).toThrow(/10001 nodes; at most 10000/);
  });

  it('tolerates CRLF line ends inside the value and several spaces between nodes', () => {
    const reply = read(good('7\r\na|10.0.0.1|11211  b|10.0.0.2|11211\r\n'));
    expect(reply?.kind === 'config' && reply.config.nodes.map((n) => n.hostname)).toEqual([
      'a',
      'b',
    ]);
  });
});
