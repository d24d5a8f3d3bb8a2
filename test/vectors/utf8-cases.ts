/** UTF-8 stress cases (after Markus Kuhn's test file and Unicode Table 3-7), as data. */
import { hex } from "../helpers/bits.js";

export const validUtf8: ReadonlyArray<readonly [string, Uint8Array]> = [
  ["empty", hex("")],
  ["ASCII", hex("48656c6c6f")],
  ["2-byte lowest U+0080", hex("c280")],
  ["2-byte highest U+07FF", hex("dfbf")],
  ["3-byte lowest U+0800", hex("e0a080")],
  ["before surrogates U+D7FF", hex("ed9fbf")],
  ["after surrogates U+E000", hex("ee8080")],
  ["U+FFFD", hex("efbfbd")],
  ["U+FFFF", hex("efbfbf")],
  ["4-byte lowest U+10000", hex("f0908080")],
  ["highest U+10FFFF", hex("f48fbfbf")],
  ["Greek kosme", hex("cebae1bdb9cf83cebcceb5")],
  ["mixed", hex("48c3a9e282acf09f988061")],
];

export const invalidUtf8: ReadonlyArray<readonly [string, Uint8Array, number]> = [
  // name, bytes, index of the first byte that proves it invalid (length = only detectable at end)
  ["lone continuation", hex("80"), 0],
  ["continuation after ASCII", hex("41bf"), 1],
  ["overlong 2-byte C0 80", hex("c080"), 0],
  ["overlong 2-byte C1 BF", hex("c1bf"), 0],
  ["overlong 3-byte E0 80 80", hex("e08080"), 1],
  ["overlong 3-byte E0 9F BF", hex("e09fbf"), 1],
  ["overlong 4-byte F0 8F BF BF", hex("f08fbfbf"), 1],
  ["surrogate U+D800", hex("eda080"), 1],
  ["surrogate U+DFFF", hex("edbfbf"), 1],
  ["above U+10FFFF (F4 90)", hex("f4908080"), 1],
  ["F5 lead", hex("f5808080"), 0],
  ["FF byte", hex("ff"), 0],
  ["FE byte", hex("fe"), 0],
  ["lead followed by ASCII", hex("c341"), 1],
  ["3-byte cut by ASCII", hex("e2822041"), 2],
  ["valid then invalid (Autobahn 6.3.1)", hex("cebae1bdb9cf83cebcceb5eda080656469746564"), 12],
  ["truncated 2-byte at end", hex("c3"), 1],
  ["truncated 3-byte at end", hex("e282"), 2],
  ["truncated 4-byte at end", hex("f09f98"), 3],
];
