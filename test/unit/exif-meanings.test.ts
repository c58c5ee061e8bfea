// EXIF codes with their meaning (issue 14): orientation, flash bits and a few coded fields, in
// English and Japanese; unknown codes stay bare; evidence show prints them with the code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exifMeaning, flashMeaning, orientationMeaning, withMeaning } from '../../src/shared/exifMeanings.ts';

test('orientation, flash and coded fields mean what EXIF 2.32 says', () => {
  assert.equal(orientationMeaning(1, 'en'), 'upright');
  assert.equal(orientationMeaning(6, 'en'), 'rotated 90° clockwise');
  assert.equal(orientationMeaning(8, 'ja'), '反時計回りに90°回転');
  assert.equal(orientationMeaning(9, 'en'), null);
  assert.equal(flashMeaning(0x00, 'en'), 'did not fire');
  assert.equal(flashMeaning(0x19, 'en'), 'fired, auto mode');
  assert.equal(flashMeaning(0x10, 'en'), 'did not fire, flash suppressed');
  assert.equal(flashMeaning(0x5f, 'en'), 'fired, auto mode, return light detected, red-eye reduction');
  assert.equal(flashMeaning(0x20, 'ja'), 'フラッシュ機能なし');
  assert.equal(flashMeaning(0x09, 'ja'), '発光、強制発光');
  assert.equal(exifMeaning('exif.MeteringMode', 5, 'en'), 'pattern');
  assert.equal(exifMeaning('exif.ExposureProgram', 3, 'ja'), '絞り優先');
  assert.equal(exifMeaning('exif.Model', 3, 'en'), null, 'a field that is not coded');
  assert.equal(exifMeaning('exif.Orientation', 'Rotate 90 CW', 'en'), null, 'only codes are translated');
  assert.equal(withMeaning('Orientation', 6, 'en'), '6 (rotated 90° clockwise)');
  assert.equal(withMeaning('Orientation', 42, 'en'), '42');
});
