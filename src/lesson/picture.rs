//! The ECB picture: a padlock drawn for cipherlab (`assets/padlock.pgm`, one byte per pixel),
//! encrypted under ECB and under CBC. The pixels are taken in 4×4 tiles, so that each tile is
//! exactly one 16-byte AES block: under ECB, equal tiles become equal blocks and the drawing
//! shows through; under CBC every block differs.

use crate::crypto::{Cipher, Key, Nonce, Scheme};

/// The image file, compiled in.
const PADLOCK: &[u8] = include_bytes!("../../assets/padlock.pgm");

/// A picture: one byte per pixel, row by row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Pixels across.
    pub width: usize,
    /// Pixels down.
    pub height: usize,
    /// `width × height` bytes.
    pub pixels: Vec<u8>,
}

/// Reads a binary PGM (`P5`, maxval 255); `None` when the file is not one.
pub fn parse_pgm(bytes: &[u8]) -> Option<Picture> {
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while bytes.get(pos)?.is_ascii_whitespace() {
            pos += 1;
        }
        let start = pos;
        while !bytes.get(pos)?.is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..pos]).ok()?);
    }
    let (width, height): (usize, usize) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
    if fields[0] != "P5"
        || fields[3] != "255"
        || width == 0
        || height == 0
        || width > 1024
        || height > 1024
    {
        return None;
    }
    let pixels = bytes.get(pos + 1..pos + 1 + width * height)?.to_vec();
    Some(Picture {
        width,
        height,
        pixels,
    })
}

/// The side of a tile: 4×4 one-byte pixels fill one AES block.
pub const TILE: usize = 4;

/// The picture's bytes in tile order: each run of 16 bytes is one 4×4 tile.
fn tiles(picture: &Picture) -> Vec<u8> {
    let mut out = Vec::with_capacity(picture.pixels.len());
    for ty in (0..picture.height).step_by(TILE) {
        for tx in (0..picture.width).step_by(TILE) {
            for y in ty..ty + TILE {
                for x in tx..tx + TILE {
                    out.push(
                        picture
                            .pixels
                            .get(y * picture.width + x)
                            .copied()
                            .unwrap_or(0),
                    );
                }
            }
        }
    }
    out
}

/// A ciphertext picture: every pixel of a tile carries a byte standing for its whole block
/// (so that equal blocks look equal), derived from the block's bytes.
fn from_blocks(like: &Picture, ciphertext: &[u8]) -> Picture {
    let across = like.width / TILE;
    let mut pixels = vec![0u8; like.pixels.len()];
    for (index, block) in ciphertext.chunks(16).enumerate() {
        let shade = block.iter().fold(0u8, |acc, b| acc.rotate_left(3) ^ b);
        let (tx, ty) = (index % across.max(1) * TILE, index / across.max(1) * TILE);
        for y in ty..(ty + TILE).min(like.height) {
            for x in tx..(tx + TILE).min(like.width) {
                pixels[y * like.width + x] = shade;
            }
        }
    }
    Picture {
        pixels,
        ..like.clone()
    }
}

/// The padlock's tiles sealed under `scheme` (ecb or cbc) with a fixed AES-128 key: the
/// ciphertext blocks in tile order, salt and padding block left out.
fn sealed_tiles(plain: &Picture, scheme: Scheme) -> Option<Vec<u8>> {
    let tiled = tiles(plain);
    let key = Key::from_bytes(scheme, b"cipherlab's pad!".to_vec()).ok()?;
    let wire = Cipher::new(&key)
        .seal_with(
            &tiled,
            &Nonce {
                iv: *b"0123456789abcdef",
                now: 0,
            },
        )
        .ok()?;
    // The salt or nonce in front is not part of the picture.
    let skip = scheme.first_message_byte();
    wire.get(skip..skip + tiled.len()).map(<[u8]>::to_vec)
}

/// The padlock, and the padlock's tiles encrypted under ECB, under CBC, and under AES-GCM with
/// a fixed nonce (the first 12 bytes of the same IV): one message under one nonce is still a
/// fresh keystream, so GCM shows nothing but noise. A repeated nonce leaks only across
/// messages, which the `aead` lesson shows.
pub fn padlock_four_ways() -> Option<[Picture; 4]> {
    let plain = parse_pgm(PADLOCK)?;
    if plain.width % TILE != 0 || plain.height % TILE != 0 {
        return None;
    }
    let ecb = from_blocks(&plain, &sealed_tiles(&plain, Scheme::Ecb)?);
    let cbc = from_blocks(&plain, &sealed_tiles(&plain, Scheme::Cbc)?);
    let gcm = from_blocks(&plain, &sealed_tiles(&plain, Scheme::Gcm)?);
    Some([plain, ecb, cbc, gcm])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn distinct(blocks: &[u8]) -> usize {
        blocks.chunks(16).collect::<HashSet<_>>().len()
    }

    #[test]
    fn ecb_keeps_the_picture_and_cbc_and_gcm_hide_it() {
        let plain = parse_pgm(PADLOCK).unwrap();
        assert_eq!((plain.width, plain.height), (64, 48));
        let tiles_in = tiles(&plain);
        let blocks = tiles_in.len() / 16;
        // Equal plaintext tiles stay equal under ECB: as few distinct blocks as the drawing has.
        assert_eq!(
            distinct(&sealed_tiles(&plain, Scheme::Ecb).unwrap()),
            distinct(&tiles_in)
        );
        assert!(distinct(&tiles_in) < blocks / 4);
        // Under CBC every block differs, and under GCM (even with a fixed nonce) too.
        for scheme in [Scheme::Cbc, Scheme::Gcm] {
            assert_eq!(
                distinct(&sealed_tiles(&plain, scheme).unwrap()),
                blocks,
                "{scheme}"
            );
        }
        assert!(padlock_four_ways().is_some());
    }

    #[test]
    fn bad_pgm_files_are_refused() {
        assert!(parse_pgm(b"P6\n2 2\n255\n0000").is_none());
        assert!(parse_pgm(b"P5\n2 2\n255\n00").is_none(), "too few pixels");
        assert!(parse_pgm(b"P5 999999 2 255 ").is_none());
    }
}
