import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  poolPath,
  poolsPath,
  queryString,
  regionEndpoint,
  resolveEndpoint,
} from '../../lib/modelarts/endpoint';
import { ModelArtsOptionsError } from '../../lib/modelarts/errors';
import { canonicalQueryString } from '../../lib/modelarts/signer';

describe('resolveEndpoint', () => {
  it('derives the public endpoint from the region', () => {
    expect(resolveEndpoint({ region: 'cn-north-4' })).toBe('https://modelarts.cn-north-4.myhuaweicloud.com');
    expect(resolveEndpoint({ region: 'ap-southeast-1' })).toBe(regionEndpoint('ap-southeast-1'));
  });

  it('lets an explicit endpoint win over the region', () => {
    expect(resolveEndpoint({ endpoint: 'http://127.0.0.1:8080', region: 'cn-north-4' })).toBe(
      'http://127.0.0.1:8080',
    );
  });

  it('normalises the endpoint: no trailing slash, default port and host case dropped, base path kept', () => {
    expect(resolveEndpoint({ endpoint: 'https://ModelArts.Example.com:443/' })).toBe(
      'https://modelarts.example.com',
    );
    expect(resolveEndpoint({ endpoint: 'https://gw.example.com/modelarts//' })).toBe(
      'https://gw.example.com/modelarts',
    );
  });

  it.each([
    [
      { endpoint: 'modelarts.cn-north-4.myhuaweicloud.com' },
      'endpoint: "modelarts.cn-north-4.myhuaweicloud.com" is not',
    ],
    [{ endpoint: 'ftp://example.com' }, 'endpoint: protocol must be https: or http:'],
    [{ endpoint: 'https://user:pw@example.com' }, 'endpoint: must not contain user info'],
    [{ endpoint: 'https://example.com/?x=1' }, 'endpoint: must not contain a query'],
    [{ region: 'CN North 4' }, 'region: "CN North 4" is not a region id'],
    [{ region: 'cn' }, 'region: "cn" is not a region id'],
    [{}, 'endpoint: either endpoint or region is required'],
  ])('rejects %j naming the option', (options, message) => {
    expect(() => resolveEndpoint(options)).toThrow(ModelArtsOptionsError);
    expect(() => resolveEndpoint(options)).toThrow(message);
  });

  it('never echoes the password of an endpoint with user info', () => {
    expect(() => resolveEndpoint({ endpoint: 'https://user:hunter2@example.com' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});

describe('pool paths', () => {
  it('builds the documented paths', () => {
    expect(poolsPath('0123abcd')).toBe('/v2/0123abcd/pools');
    expect(poolPath('0123abcd', 'pool-a')).toBe('/v2/0123abcd/pools/pool-a');
  });

  it('keeps a pool name one path segment whatever it contains', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'grapheme' }), (name) => {
        fc.pre(name.trim() !== '' && name !== '.' && name !== '..');
        const path = poolPath('p', name);
        const segments = new URL(path, 'http://h').pathname.split('/');
        expect(segments).toHaveLength(5);
        expect(decodeURIComponent(segments[4] ?? '')).toBe(name);
      }),
    );
  });

  it.each(['', ' ', '.', '..'])('refuses %j as a pool name or project id', (bad) => {
    expect(() => poolPath('p', bad)).toThrow(expect.objectContaining({ kind: 'validation' }));
    expect(() => poolPath('p', bad)).toThrow(`pool name ${JSON.stringify(bad)} cannot be a URL path segment`);
    expect(() => poolsPath(bad)).toThrow(`project id ${JSON.stringify(bad)} cannot be a URL path segment`);
  });
});

describe('queryString', () => {
  it('drops undefined values and sorts keys', () => {
    expect(queryString({ status: 'created', workspaceId: undefined, labelSelector: 'a=b' })).toBe(
      '?labelSelector=a%3Db&status=created',
    );
    expect(queryString({ workspaceId: undefined })).toBe('');
  });

  it('is already the canonical query the signer computes, so what is signed is what is sent', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, unit: 'grapheme' }), fc.string({ unit: 'grapheme' })),
        (query) => {
          const sent = queryString(query);
          expect(new URL(`http://h/p${sent}`).search).toBe(sent);
          expect(canonicalQueryString(sent)).toBe(sent.slice(1));
        },
      ),
    );
  });
});
