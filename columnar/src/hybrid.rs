//! Parquet's value encodings that the result pages use, written from
//! whole slices: the RLE/bit-packed hybrid (levels and dictionary keys),
//! PLAIN booleans, and DELTA_BINARY_PACKED for the rising line numbers.
//! Parquet's own encoders sit behind its unstable `experimental` feature
//! (which also pulls in its variant crates), so these few are written here
//! from the format's specification (`Encodings.md` of apache/parquet-format)
//! and checked by reading files back with the parquet crate's reader.
//! Not here: pages, compression, files (`pages`, `result_file`).

/// A run of equal values at least this long is written as one RLE run;
/// shorter ones are bit-packed eight at a time.
const RUN: usize = 8;

/// Appends `values` to `out` in the RLE/bit-packed hybrid encoding at
/// `bit_width` bits a value (each value must fit in it), without a length
/// prefix. Runs of `RUN` or more equal values become RLE runs; the rest
/// is bit-packed in groups of eight, the last group padded with zeros,
/// as the format allows at the end of the data.
pub(crate) fn encode_hybrid(values: &[u32], bit_width: u8, out: &mut Vec<u8>) {
    let n = values.len();
    let mut i = 0;
    while let Some(&first) = values.get(i) {
        let run = values
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&x| x == first)
            .count();
        if run >= RUN {
            put_varint(out, (run as u64) << 1);
            let bytes = usize::from(bit_width).div_ceil(8);
            out.extend_from_slice(first.to_le_bytes().get(..bytes).unwrap_or_default());
            i += run;
            continue;
        }
        // Groups of eight from `i`, until a group starts a long run (or the
        // values end): the next RLE run starts there.
        let mut end = i + RUN;
        while end < n && !long_run_at(values, end) {
            end += RUN;
        }
        let groups = (end - i) / RUN;
        put_varint(out, ((groups as u64) << 1) | 1);
        for g in 0..groups {
            let at = i + g * RUN;
            let mut eight = [0u32; RUN];
            let have = values.get(at..n.min(at + RUN)).unwrap_or_default();
            if let Some(head) = eight.get_mut(..have.len()) {
                head.copy_from_slice(have);
            }
            pack_eight(&eight, bit_width, out);
        }
        i = end;
    }
}

/// Whether a run of at least `RUN` equal values starts at `at`.
#[inline]
fn long_run_at(values: &[u32], at: usize) -> bool {
    match values.get(at..at + RUN) {
        Some(w) => w.iter().all(|&x| Some(&x) == w.first()),
        None => false,
    }
}

/// Eight values packed least significant bit first at `bit_width` bits
/// each: `bit_width` bytes.
#[inline]
fn pack_eight(eight: &[u32; RUN], bit_width: u8, out: &mut Vec<u8>) {
    let width = u32::from(bit_width);
    if width <= 16 {
        // Eight values of at most 16 bits fit one 128-bit number.
        let mask = (1u128 << width) - 1;
        let mut acc: u128 = 0;
        for (k, &v) in eight.iter().enumerate() {
            acc |= (u128::from(v) & mask) << (k as u32 * width);
        }
        out.extend_from_slice(acc.to_le_bytes().get(..width as usize).unwrap_or_default());
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

/// Booleans PLAIN-encoded: one bit each, least significant first, the
/// last byte padded with zeros.
pub(crate) fn plain_booleans(values: &[bool], out: &mut Vec<u8>) {
    for eight in values.chunks(8) {
        let mut byte = 0u8;
        for (i, &b) in eight.iter().enumerate() {
            byte |= u8::from(b) << i;
        }
        out.push(byte);
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
    fn a_long_run_is_one_rle_run_of_a_few_bytes() {
        let mut out = Vec::new();
        encode_hybrid(&[3; 4096], 2, &mut out);
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
        let mut out = Vec::new();
        plain_booleans(
            &[true, false, true, true, false, false, false, false, true],
            &mut out,
        );
        assert_eq!(out, vec![0b0000_1101, 0b0000_0001]);
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
