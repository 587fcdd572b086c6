import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { phpHttpBuildQuery, phpUrlEncode } from '../src/events/php-form.js'

const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url))
const fixtures = readdirSync(fixturesDir).filter((name) => name.endsWith('.json'))

describe('phpHttpBuildQuery', () => {
  it.each(fixtures)('encodes %s byte for byte like PHP http_build_query did', (name) => {
    const json: object = JSON.parse(readFileSync(`${fixturesDir}${name}`, 'utf8'))
    const form = readFileSync(`${fixturesDir}${name.replace(/\.json$/, '.form')}`, 'utf8')
    expect(phpHttpBuildQuery(json)).toBe(form)
  })

  it('finds a fixture for every encoder case it claims to cover', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(4)
  })

  it('nests keys with percent-encoded brackets and numbers lists', () => {
    expect(phpHttpBuildQuery({ a: { b: { c: 1 } }, l: ['x', 'y'] })).toBe('a%5Bb%5D%5Bc%5D=1&l%5B0%5D=x&l%5B1%5D=y')
  })

  it('writes booleans as 1/0 and drops null, undefined, empty arrays and empty objects', () => {
    expect(phpHttpBuildQuery({ t: true, f: false, n: null, u: undefined, e: [], o: {}, s: '' })).toBe('t=1&f=0&s=')
  })

  it('encodes like PHP urlencode: spaces as +, only [A-Za-z0-9_.-] left alone', () => {
    expect(phpUrlEncode("a b~!*'()&=+/%é")).toBe('a+b%7E%21%2A%27%28%29%26%3D%2B%2F%25%C3%A9')
    expect(phpUrlEncode('Az09-_.')).toBe('Az09-_.')
  })

  it('refuses values PHP could not have produced', () => {
    expect(() => phpHttpBuildQuery({ x: Number.NaN })).toThrow(TypeError)
    expect(() => phpHttpBuildQuery({ x: () => 1 })).toThrow(TypeError)
  })
})
