//! Parquet's value encodings that the result pages use, written from
//! whole slices: the RLE/bit-packed hybrid (levels and dictionary keys,
//! `encode_hybrid`),
//! PLAIN booleans, and DELTA_BINARY_PACKED for the rising line numbers.
//! Parquet's own encoders sit behind its unstable `experimental` feature
//! (which also pulls in its variant crates), so these few are written here
//! from the format's specification (`Encodings.md` of apache/parquet-format)
//! and checked by reading files back with the parquet crate's reader.
//! Not here: pages, compression, files (`pages`, `result_file`).

/// A run of equal values at least this long is written as one RLE run;
/// shorter ones are bit-packed eight at a time.
const RUN: usize = 8;

/// Appends `values` (levels or dictionary keys, each below `1 << width`)
/// to `out` in the RLE/bit-packed hybrid encoding, without a length
/// prefix. Runs of eight or more equal values become RLE runs; the rest
/// is bit-packed up to the next group of eight equal ones, the last group
/// padded with zeros. A page's values are gathered first and encoded
/// whole: encoding each column as rows came (hundreds of streams a row)
/// cost a Parquet row a third of its time in cache misses, and a stream's
/// checks a value five times this (docs/performance.md, issue 14, seventh
/// round).
pub(crate) fn encode_hybrid<T: Packed>(values: &[T], width: u8, out: &mut Vec<u8>) {
    let n = values.len();
    let mut i = 0;
    while let Some(&v) = values.get(i) {
        let run = T::run_from(values, i, v);
        if run >= RUN {
            put_varint(out, (run as u64) << 1);
            // The value in as many bytes as its width takes: one, for
            // every level and most keys, pushed as such; a copy of a length
            // known only here would be a call to `memcpy` a run.
            match usize::from(width).div_ceil(8) {
                0 => {}
                1 => out.push(v.wide() as u8),
                n => out.extend_from_slice(v.wide().to_le_bytes().get(..n).unwrap_or_default()),
            }
            i += run;
            continue;
        }
        // Groups of eight from `i` until one is eight equal values (an RLE
        // run starts there) or the values end.
        let mut end = i + RUN;
        while end < n && !T::uniform(values, end) {
            end += RUN;
        }
        put_varint(out, ((((end - i) / RUN) as u64) << 1) | 1);
        let mut at = i;
        while at < end {
            // Eight values taken as one array where there are eight (a
            // copy of known length, in registers); only the last group
            // of a page may be short, and is padded with zeros.
            let eight = match values.get(at..at + RUN).map(<[T; RUN]>::try_from) {
                Some(Ok(eight)) => eight,
                _ => {
                    let mut eight = [T::default(); RUN];
                    let have = values.get(at..n.min(at + RUN)).unwrap_or_default();
                    if let Some(head) = eight.get_mut(..have.len()) {
                        head.copy_from_slice(have);
                    }
                    eight
                }
            };
            T::pack(eight, width, out);
            at += RUN;
        }
        i = end;
    }
}

/// What the hybrid encoding takes: levels as bytes (compared and packed
/// eight at a time as one word), dictionary keys as `u32`.
pub(crate) trait Packed: Copy + PartialEq + Default {
    /// The value as the encoding's RLE runs write it.
    fn wide(self) -> u32;

    /// How many values from `at` on equal `v` (the one at `at`).
    fn run_from(values: &[Self], at: usize, v: Self) -> usize {
        values
            .get(at..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&x| x == v)
            .count()
    }

    /// Whether the eight values from `at` are all equal.
    fn uniform(values: &[Self], at: usize) -> bool {
        match values.get(at..at + RUN) {
            Some([first, rest @ ..]) => rest.iter().all(|x| x == first),
            _ => false,
        }
    }

    /// Eight values packed least significant bit first at `width` bits
    /// each: `width` bytes.
    fn pack(eight: [Self; RUN], width: u8, out: &mut Vec<u8>);
}

impl Packed for u32 {
    fn wide(self) -> u32 {
        self
    }

    #[inline]
    fn pack(eight: [u32; RUN], width: u8, out: &mut Vec<u8>) {
        pack_eight(&eight, width, out);
    }
}

impl Packed for u8 {
    fn wide(self) -> u32 {
        u32::from(self)
    }

    #[inline]
    fn run_from(values: &[u8], at: usize, v: u8) -> usize {
        let rest = values.get(at..).unwrap_or_default();
        let pattern = u64::from(v) * 0x0101_0101_0101_0101;
        let mut run = 0;
        for eight in rest.chunks_exact(RUN) {
            let word = u64::from_le_bytes(<[u8; RUN]>::try_from(eight).unwrap_or_default());
            if word != pattern {
                break;
            }
            run += RUN;
        }
        run + rest
            .get(run..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&x| x == v)
            .count()
    }

    #[inline]
    fn uniform(values: &[u8], at: usize) -> bool {
        match values
            .get(at..at + RUN)
            .and_then(|e| <[u8; RUN]>::try_from(e).ok())
        {
            Some(eight) => {
                let word = u64::from_le_bytes(eight);
                word == u64::from(eight[0]) * 0x0101_0101_0101_0101
            }
            None => false,
        }
    }

    #[inline]
    fn pack(eight: [u8; RUN], width: u8, out: &mut Vec<u8>) {
        if width == 1 {
            // Each byte's low bit gathered into the top byte by one
            // multiplication: level k lands on bit 56 + k, and no two
            // products share a bit, so nothing carries.
            let word = u64::from_le_bytes(eight) & 0x0101_0101_0101_0101;
            out.push((word.wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8);
            return;
        }
        if width == 2 {
            // The definition levels of lists (0 to 3): each byte's low
            // two bits folded together pairwise, then in fours, then in
            // eights, by shifts and masks (no loop, no carry).
            let mut x = u64::from_le_bytes(eight) & 0x0303_0303_0303_0303;
            x = (x | (x >> 6)) & 0x000F_000F_000F_000F;
            x = (x | (x >> 12)) & 0x0000_00FF_0000_00FF;
            x = (x | (x >> 24)) & 0xFFFF;
            out.extend_from_slice(&(x as u16).to_le_bytes());
            return;
        }
        pack_eight(&eight.map(u32::from), width, out);
    }
}

/// Eight values packed least significant bit first at `bit_width` bits
/// each: `bit_width` bytes.
#[inline]
fn pack_eight(eight: &[u32], bit_width: u8, out: &mut Vec<u8>) {
    let width = u32::from(bit_width);
    if width <= 8 {
        // Eight values of at most 8 bits fit one 64-bit number: levels
        // (1 or 2 bits) and the keys of dictionaries up to 256 texts.
        let mask = (1u64 << width) - 1;
        let mut acc: u64 = 0;
        let mut shift = 0;
        for &v in eight {
            acc |= (u64::from(v) & mask) << shift;
            shift += width;
        }
        // All eight bytes, then the ones past `width` taken back: a copy
        // of a known length is a store, where one of `width` bytes would
        // be a call to `memcpy` each eight values.
        let keep = out.len() + width as usize;
        out.extend_from_slice(&acc.to_le_bytes());
        out.truncate(keep);
        return;
    }
    let mask = if width >= 32 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    let mut acc: u64 = 0;
    let mut bits: u32 = 0;
    for &v in eight {
        acc |= (u64::from(v) & mask) << bits;
        bits += width;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
}

/// The bits needed for values up to `max`: 0 for 0, else
/// `floor(log2(max)) + 1`.
pub(crate) fn bit_width(max: u32) -> u8 {
    (u32::BITS - max.leading_zeros()) as u8
}

/// `v` as an unsigned LEB128 varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Booleans PLAIN-encoded as they come: a bit each, least significant
/// first, the last byte padded with zeros.
#[derive(Debug, Clone, Default)]
pub(crate) struct Booleans {
    bytes: Vec<u8>,
    bits: u32,
}

impl Booleans {
    #[inline]
    pub(crate) fn push(&mut self, b: bool) {
        if self.bits.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if let Some(last) = self.bytes.last_mut() {
            *last |= u8::from(b) << (self.bits % 8);
        }
        self.bits += 1;
    }

    /// The encoding so far.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Empty again, keeping the room.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.bits = 0;
    }
}

/// DELTA_BINARY_PACKED for `count` values rising by one from `first`:
/// every delta is 1, so each block is its minimum delta and four
/// miniblocks of width 0 (no packed bytes). Line numbers of a page are
/// always such a run: every input row has its row, errors included.
pub(crate) fn delta_rising_by_one(first: i64, count: usize, out: &mut Vec<u8>) {
    const BLOCK: usize = 128;
    const MINIBLOCKS: usize = 4;
    put_varint(out, BLOCK as u64);
    put_varint(out, MINIBLOCKS as u64);
    put_varint(out, count as u64);
    put_varint(out, zigzag(first));
    let deltas = count.saturating_sub(1);
    for _ in 0..deltas.div_ceil(BLOCK) {
        put_varint(out, zigzag(1));
        out.extend_from_slice(&[0; MINIBLOCKS]);
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reference decoder of the hybrid encoding, written from the
    /// specification independently of the encoder, for `count` values.
    fn decode(mut data: &[u8], bit_width: u8, count: usize) -> Vec<u32> {
        let mut out = Vec::new();
        let varint = |data: &mut &[u8]| {
            let (mut v, mut shift) = (0u64, 0);
            loop {
                let b = data[0];
                *data = &data[1..];
                v |= u64::from(b & 0x7f) << shift;
                shift += 7;
                if b < 0x80 {
                    return v;
                }
            }
        };
        while out.len() < count {
            let header = varint(&mut data);
            if header & 1 == 0 {
                let bytes = usize::from(bit_width).div_ceil(8);
                let mut v = [0u8; 4];
                v[..bytes].copy_from_slice(&data[..bytes]);
                data = &data[bytes..];
                for _ in 0..header >> 1 {
                    out.push(u32::from_le_bytes(v));
                }
            } else {
                let n = (header >> 1) as usize * 8;
                let bytes = n * usize::from(bit_width) / 8;
                let (packed, rest) = data.split_at(bytes);
                data = rest;
                for i in 0..n {
                    let mut v = 0u32;
                    for b in 0..usize::from(bit_width) {
                        let bit = i * usize::from(bit_width) + b;
                        v |= u32::from((packed[bit / 8] >> (bit % 8)) & 1) << b;
                    }
                    out.push(v);
                }
            }
        }
        assert!(data.is_empty(), "{} bytes left over", data.len());
        out.truncate(count);
        out
    }

    #[test]
    fn hybrid_encoding_decodes_to_the_values_for_runs_mixes_and_every_width() {
        let cases: Vec<Vec<u32>> = vec![
            vec![],
            vec![0],
            vec![1; 3],
            vec![5; 100],
            (0..37).map(|i| i % 3).collect(),
            [vec![2; 20], (0..13).collect(), vec![7; 9], vec![1, 2, 1]].concat(),
            (0..1000).map(|i| (i / 17) % 5).collect(),
            (0..64).map(|i| if i % 9 == 0 { 1 } else { 0 }).collect(),
        ];
        for values in cases {
            let max = values.iter().copied().max().unwrap_or(0);
            for width in bit_width(max).max(1)..=12 {
                let mut out = Vec::new();
                encode_hybrid(&values, width, &mut out);
                assert_eq!(decode(&out, width, values.len()), values, "width {width}");
            }
        }
    }

    #[test]
    fn keys_into_a_dictionary_of_one_text_take_width_zero_and_only_headers() {
        for n in [1, 7, 8, 9, 100] {
            let values = vec![0u32; n];
            let mut out = Vec::new();
            encode_hybrid(&values, 0, &mut out);
            assert_eq!(decode(&out, 0, n), values, "{n} keys");
            // Headers only: one varint for a run, or for the groups of a
            // short page; no value bytes at all.
            assert!(out.len() <= 2, "{n} keys took {out:?}");
        }
    }

    #[test]
    fn random_values_with_runs_of_every_length_decode_to_themselves() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(14);
        for _ in 0..2_000 {
            let mut values = Vec::new();
            while values.len() < rng.random_range(0..400) {
                let v = rng.random_range(0..8u32);
                let run = if rng.random_bool(0.3) {
                    rng.random_range(1..40)
                } else {
                    1
                };
                values.extend(std::iter::repeat_n(v, run));
            }
            let mut out = Vec::new();
            encode_hybrid(&values, 3, &mut out);
            assert_eq!(decode(&out, 3, values.len()), values);
        }
    }

    #[test]
    fn levels_encoded_from_a_slice_decode_to_themselves_at_widths_one_and_two() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(15);
        for round in 0..3_000 {
            let width = if round % 2 == 0 { 1 } else { 2 };
            let top = 1u8 << width;
            let mut levels: Vec<u8> = Vec::new();
            while levels.len() < rng.random_range(0..300) {
                let v = rng.random_range(0..top);
                let run = if rng.random_bool(0.3) {
                    rng.random_range(1..40)
                } else {
                    1
                };
                levels.extend(std::iter::repeat_n(v, run));
            }
            let mut out = Vec::new();
            encode_hybrid(&levels, width, &mut out);
            let wide: Vec<u32> = levels.iter().map(|&l| u32::from(l)).collect();
            assert_eq!(decode(&out, width, levels.len()), wide, "{levels:?}");
        }
        let mut out = Vec::new();
        encode_hybrid(&[1u8; 4096], 1, &mut out);
        assert_eq!(out, vec![0x80, 0x40, 1]);
        let mut out = Vec::new();
        encode_hybrid(&[1u8, 0, 1, 1, 0, 0, 0, 0, 1], 1, &mut out);
        // One bit-packed run of two groups: 0b1101 then 0b1, padded.
        assert_eq!(out, vec![(2 << 1) | 1, 0b0000_1101, 0b0000_0001]);
    }

    #[test]
    fn a_long_run_is_one_rle_run_of_a_few_bytes() {
        let mut out = Vec::new();
        encode_hybrid(&[3u32; 4096], 2, &mut out);
        // Header 4096 << 1 as a varint (2 bytes), then the value (1 byte).
        assert_eq!(out, vec![0x80, 0x40, 3]);
    }

    #[test]
    fn bit_widths_are_the_bits_of_the_largest_value() {
        assert_eq!(bit_width(0), 0);
        assert_eq!(bit_width(1), 1);
        assert_eq!(bit_width(3), 2);
        assert_eq!(bit_width(4), 3);
        assert_eq!(bit_width(255), 8);
        assert_eq!(bit_width(256), 9);
    }

    #[test]
    fn booleans_pack_least_significant_bit_first() {
        let mut bools = Booleans::default();
        for b in [true, false, true, true, false, false, false, false, true] {
            bools.push(b);
        }
        assert_eq!(bools.bytes(), &[0b0000_1101, 0b0000_0001]);
        bools.clear();
        bools.push(true);
        assert_eq!(bools.bytes(), &[1]);
    }

    #[test]
    fn a_rising_run_of_line_numbers_is_a_header_and_one_small_block_per_128() {
        let mut out = Vec::new();
        delta_rising_by_one(1, 1, &mut out);
        // Block size 128, four miniblocks, one value, first value 1.
        assert_eq!(out, vec![0x80, 0x01, 4, 1, 2]);
        let mut out = Vec::new();
        delta_rising_by_one(7, 300, &mut out);
        // 299 deltas: three blocks, each min delta 1 (zigzag 2) and four
        // widths of 0.
        assert_eq!(out.len(), 6 + 3 * 5);
        assert_eq!(&out[6..11], &[2, 0, 0, 0, 0]);
    }
}
