//! The client's private key (`sslkey`), read as libpq (with OpenSSL)
//! reads it: PEM or DER, unencrypted, PKCS#8-encrypted (`BEGIN ENCRYPTED
//! PRIVATE KEY`, PBES2) or encrypted the traditional OpenSSL way
//! (`Proc-Type: 4,ENCRYPTED` with `DEK-Info`). The pass phrase is
//! `sslpassword`; without it OpenSSL asks `Enter PEM pass phrase:` (on the
//! terminal, else on stderr/stdin, twice before giving up). A wrong pass
//! phrase is OpenSSL's "bad decrypt".

use std::path::Path;

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use base64::Engine;
use md5::Digest;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};

use crate::conn::message::io_text;

/// One PEM block.
struct Block {
    label: String,
    headers: Vec<(String, String)>,
    der: Vec<u8>,
}

/// The first PEM block whose label ends with "PRIVATE KEY".
fn private_key_block(text: &str) -> Option<Block> {
    let mut lines = text.lines().map(str::trim_end);
    let label = loop {
        let line = lines.next()?;
        if let Some(l) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            if l.ends_with("PRIVATE KEY") {
                break l.to_string();
            }
        }
    };
    let end = format!("-----END {label}-----");
    let mut headers = Vec::new();
    let mut body = String::new();
    for line in lines.by_ref() {
        if line == end {
            let der = base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .ok()?;
            return Some(Block {
                label,
                headers,
                der,
            });
        }
        match line.split_once(':') {
            Some((k, v)) if body.is_empty() => headers.push((k.to_string(), v.trim().to_string())),
            _ => body.push_str(line.trim()),
        }
    }
    None
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one round, as the traditional
/// PEM encryption derives its key from the pass phrase and the IV.
fn bytes_to_key(pass: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut key = Vec::new();
    let mut prev: Vec<u8> = Vec::new();
    while key.len() < len {
        let mut h = md5::Md5::new();
        h.update(&prev);
        h.update(pass);
        h.update(salt);
        prev = h.finalize().to_vec();
        key.extend_from_slice(&prev);
    }
    key.truncate(len);
    key
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>>
where
    C: aes::cipher::BlockDecryptMut + aes::cipher::BlockCipher + aes::cipher::KeyInit,
{
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .ok()?
        .decrypt_padded_vec_mut::<Pkcs7>(data)
        .ok()
}

/// Decrypts a traditional `Proc-Type: 4,ENCRYPTED` body.
fn decrypt_traditional(dek_info: &str, pass: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
    let (alg, iv_hex) = dek_info.split_once(',').ok_or("unsupported encryption")?;
    let iv: Vec<u8> = (0..iv_hex.len() / 2)
        .map(|i| u8::from_str_radix(&iv_hex[2 * i..2 * i + 2], 16))
        .collect::<Result<_, _>>()
        .map_err(|_| "bad iv chars")?;
    let salt = iv.get(..8).ok_or("bad iv chars")?;
    let plain = match alg.to_ascii_uppercase().as_str() {
        "AES-128-CBC" => cbc_decrypt::<aes::Aes128>(&bytes_to_key(pass, salt, 16), &iv, data),
        "AES-192-CBC" => cbc_decrypt::<aes::Aes192>(&bytes_to_key(pass, salt, 24), &iv, data),
        "AES-256-CBC" => cbc_decrypt::<aes::Aes256>(&bytes_to_key(pass, salt, 32), &iv, data),
        "DES-EDE3-CBC" => cbc_decrypt::<des::TdesEde3>(&bytes_to_key(pass, salt, 24), &iv, data),
        "DES-CBC" => cbc_decrypt::<des::Des>(&bytes_to_key(pass, salt, 8), &iv, data),
        _ => return Err("unsupported encryption".to_string()),
    };
    plain.ok_or_else(|| "bad decrypt".to_string())
}

/// Asks for the pass phrase the way OpenSSL's default callback does.
/// None when nothing could be read.
fn prompt_pass_phrase() -> Option<String> {
    const PROMPT: &str = "Enter PEM pass phrase:";
    if let Ok(p) = rpassword::prompt_password(PROMPT) {
        return Some(p);
    }
    use std::io::{BufRead, Write};
    let mut err = std::io::stderr();
    let _ = err.write_all(PROMPT.as_bytes());
    let _ = err.flush();
    let mut line = String::new();
    let n = std::io::stdin().lock().read_line(&mut line).unwrap_or(0);
    let _ = err.write_all(b"\n");
    let _ = err.flush();
    (n > 0).then(|| line.trim_end_matches(['\n', '\r']).to_string())
}

/// The pass phrase: `sslpassword`, else asked for (OpenSSL asks twice
/// when nothing can be read, then fails with "processing error").
fn pass_phrase(password: Option<&str>) -> Result<String, String> {
    if let Some(p) = password {
        return Ok(p.to_string());
    }
    for _ in 0..2 {
        if let Some(p) = prompt_pass_phrase() {
            return Ok(p);
        }
    }
    Err("processing error".to_string())
}

/// An encrypted PEM key, decrypted; None if `block` is not encrypted.
fn decrypt_block(
    block: &Block,
    password: Option<&str>,
) -> Option<Result<PrivateKeyDer<'static>, String>> {
    if block.label == "ENCRYPTED PRIVATE KEY" {
        return Some(pass_phrase(password).and_then(|pass| {
            let info = pkcs8::EncryptedPrivateKeyInfo::try_from(block.der.as_slice())
                .map_err(|_| "unsupported".to_string())?;
            let doc = info.decrypt(pass).map_err(|_| "bad decrypt".to_string())?;
            Ok(PrivatePkcs8KeyDer::from(doc.as_bytes().to_vec()).into())
        }));
    }
    let header = |k: &str| block.headers.iter().find(|(h, _)| h == k).map(|(_, v)| v);
    if !header("Proc-Type").is_some_and(|v| v.ends_with("ENCRYPTED")) {
        return None;
    }
    let dek = header("DEK-Info").cloned().unwrap_or_default();
    Some(pass_phrase(password).and_then(|pass| {
        let der = decrypt_traditional(&dek, pass.as_bytes(), &block.der)?;
        Ok(match block.label.as_str() {
            "RSA PRIVATE KEY" => PrivatePkcs1KeyDer::from(der).into(),
            "EC PRIVATE KEY" => PrivateSec1KeyDer::from(der).into(),
            _ => PrivatePkcs8KeyDer::from(der).into(),
        })
    }))
}

/// Reads the key file's contents (after the permission checks).
pub(crate) fn parse_key(
    path: &Path,
    bytes: Vec<u8>,
    password: Option<&str>,
) -> Result<PrivateKeyDer<'static>, String> {
    let fail = |e: String| {
        format!(
            "could not load private key file \"{}\": {e}",
            path.display()
        )
    };
    if let Some(block) = std::str::from_utf8(&bytes).ok().and_then(private_key_block) {
        if let Some(r) = decrypt_block(&block, password) {
            return r.map_err(fail);
        }
    }
    if let Ok(key) = PrivateKeyDer::from_pem_slice(&bytes) {
        return Ok(key);
    }
    // Not PEM: try DER, as libpq does.
    PrivateKeyDer::try_from(bytes).map_err(|_| fail("unsupported".to_string()))
}

/// The `could not stat` / `could not load` message for an I/O error.
pub(crate) fn read_error(path: &Path, what: &str, e: &std::io::Error) -> String {
    format!(
        "could not {what} private key file \"{}\": {}",
        path.display(),
        io_text(e)
    )
}
