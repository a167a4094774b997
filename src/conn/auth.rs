//! Connection security requirements that libpq enforces during startup:
//! `require_auth` (which authentication requests the server may make),
//! `channel_binding=require`, `requirepeer` and `min_protocol_version`.
//!
//! [`RequireAuth`] parses the `require_auth` list the way libpq does; an
//! [`AuthCheck`] judges each authentication request the server makes,
//! before tokio-postgres sees it (and so before any password is sent).

/// Authentication request codes (`AUTH_REQ_*`).
pub(crate) const AUTH_OK: i32 = 0;
pub(crate) const AUTH_PASSWORD: i32 = 3;
pub(crate) const AUTH_MD5: i32 = 5;
pub(crate) const AUTH_GSS: i32 = 7;
pub(crate) const AUTH_GSS_CONT: i32 = 8;
pub(crate) const AUTH_SSPI: i32 = 9;
pub(crate) const AUTH_SASL: i32 = 10;
pub(crate) const AUTH_SASL_CONT: i32 = 11;
pub(crate) const AUTH_SASL_FIN: i32 = 12;

const SASL_BITS: u32 = 1 << AUTH_SASL | 1 << AUTH_SASL_CONT | 1 << AUTH_SASL_FIN;

const SCRAM: &str = "SCRAM-SHA-256";
const SCRAM_PLUS: &str = "SCRAM-SHA-256-PLUS";
const OAUTHBEARER: &str = "OAUTHBEARER";

/// A SASL mechanism `require_auth` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mech {
    Scram,
    OAuth,
}

/// A parsed `require_auth` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequireAuth {
    /// The setting as written (quoted in failure messages).
    text: String,
    /// Allowed authentication request codes, as a bit mask.
    allowed: u32,
    /// Allowed SASL mechanisms.
    mechs: Vec<Mech>,
    /// The server must ask for some authentication ("none" not allowed).
    required: bool,
}

/// What one `require_auth` element names.
enum Element {
    Bits(u32),
    Mech(Mech),
    None,
}

fn element(method: &str) -> Option<Element> {
    Some(match method {
        "password" => Element::Bits(1 << AUTH_PASSWORD),
        "md5" => Element::Bits(1 << AUTH_MD5),
        "gss" => Element::Bits(1 << AUTH_GSS | 1 << AUTH_GSS_CONT),
        "sspi" => Element::Bits(1 << AUTH_SSPI | 1 << AUTH_GSS_CONT),
        "scram-sha-256" => Element::Mech(Mech::Scram),
        "oauth" => Element::Mech(Mech::OAuth),
        "none" => Element::None,
        _ => return None,
    })
}

impl RequireAuth {
    /// Parses a non-empty `require_auth` value; the error is libpq's
    /// message.
    pub(crate) fn parse(value: &str) -> Result<RequireAuth, String> {
        let negated = value.starts_with('!');
        let mut ra = RequireAuth {
            text: value.to_string(),
            allowed: if negated { u32::MAX } else { 0 },
            mechs: if negated {
                vec![Mech::Scram, Mech::OAuth]
            } else {
                Vec::new()
            },
            required: !negated,
        };
        for part in value.split(',') {
            let method = match part.strip_prefix('!') {
                Some(m) if negated => m,
                Some(_) => {
                    return Err(format!(
                        "negative require_auth method \"{part}\" cannot be mixed with non-negative methods"
                    ))
                }
                None if negated => {
                    return Err(format!(
                        "require_auth method \"{part}\" cannot be mixed with negative methods"
                    ))
                }
                None => part,
            };
            let el = element(method)
                .ok_or_else(|| format!("invalid require_auth value: \"{method}\""))?;
            if !ra.apply(el, negated) {
                return Err(format!(
                    "require_auth method \"{part}\" is specified more than once"
                ));
            }
        }
        let any_mech = !ra.mechs.is_empty();
        if !negated && any_mech {
            ra.allowed |= SASL_BITS;
        } else if negated && !any_mech {
            ra.allowed &= !SASL_BITS;
        }
        Ok(ra)
    }

    /// Adds (or, negated, removes) one element; false if that changes
    /// nothing (a duplicate).
    fn apply(&mut self, el: Element, negated: bool) -> bool {
        match el {
            Element::None => std::mem::replace(&mut self.required, negated) != negated,
            Element::Mech(m) => {
                let pos = self.mechs.iter().position(|x| *x == m);
                match (pos, negated) {
                    (Some(i), true) => {
                        self.mechs.remove(i);
                        true
                    }
                    (None, false) => {
                        self.mechs.push(m);
                        true
                    }
                    _ => false,
                }
            }
            Element::Bits(bits) if negated => {
                let changed = self.allowed & bits != 0;
                self.allowed &= !bits;
                changed
            }
            Element::Bits(bits) => {
                let changed = self.allowed & bits != bits;
                self.allowed |= bits;
                changed
            }
        }
    }

    fn allows(&self, code: i32) -> bool {
        (0..32).contains(&code) && self.allowed & (1 << code) != 0
    }

    fn fail(&self, reason: &str) -> String {
        format!(
            "authentication method requirement \"{}\" failed: {reason}",
            self.text
        )
    }
}

/// libpq's `auth_method_description`.
fn describe_request(code: i32) -> &'static str {
    match code {
        AUTH_PASSWORD => "server requested a cleartext password",
        AUTH_MD5 => "server requested a hashed password",
        AUTH_GSS | AUTH_GSS_CONT => "server requested GSSAPI authentication",
        AUTH_SSPI => "server requested SSPI authentication",
        AUTH_SASL | AUTH_SASL_CONT | AUTH_SASL_FIN => "server requested SASL authentication",
        _ => "server requested an unknown authentication type",
    }
}

/// The resolved settings this module enforces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SecuritySettings {
    /// `require_auth` (None when unset or empty).
    pub require_auth: Option<RequireAuth>,
    /// `requirepeer` (None when unset or empty).
    pub requirepeer: Option<String>,
    /// `min_protocol_version` is 3.2 (or `latest`).
    pub min_protocol_32: bool,
}

/// The security requirements of one connection attempt.
#[derive(Debug, Clone, Default)]
pub(crate) struct Requirements {
    pub require_auth: Option<RequireAuth>,
    /// `channel_binding=require`.
    pub channel_binding_required: bool,
    /// `channel_binding=disable`.
    pub channel_binding_disabled: bool,
    /// The session runs over TLS.
    pub tls: bool,
}

impl Requirements {
    /// Whether any authentication request needs looking at.
    pub(crate) fn active(&self) -> bool {
        self.require_auth.is_some() || self.channel_binding_required
    }
}

/// Judges the authentication requests of one startup, in order.
#[derive(Debug)]
pub(crate) struct AuthCheck {
    req: Requirements,
    /// The client has done its part of an authentication exchange.
    finished: bool,
    /// SCRAM-SHA-256-PLUS was chosen.
    bound: bool,
}

impl AuthCheck {
    pub(crate) fn new(req: Requirements) -> AuthCheck {
        AuthCheck {
            req,
            finished: false,
            bound: false,
        }
    }

    /// Checks one authentication request (`code`, and the rest of the
    /// message body); the error is libpq's message. After AuthenticationOk
    /// has passed, nothing more needs checking.
    pub(crate) fn request(&mut self, code: i32, body: &[u8]) -> Result<(), String> {
        self.require_auth(code)?;
        self.channel_binding(code)?;
        if code == AUTH_SASL {
            self.sasl_mechanism(body)?;
        }
        if matches!(code, AUTH_PASSWORD | AUTH_MD5 | AUTH_SASL_FIN) {
            // The client answers these (or fails): its part is then done.
            self.finished = true;
        }
        Ok(())
    }

    /// libpq's `check_expected_areq`, the `require_auth` half.
    fn require_auth(&self, code: i32) -> Result<(), String> {
        let Some(ra) = &self.req.require_auth else {
            return Ok(());
        };
        let ok = match code {
            AUTH_OK => !ra.required || self.finished,
            AUTH_PASSWORD | AUTH_MD5 | AUTH_GSS | AUTH_GSS_CONT | AUTH_SSPI | AUTH_SASL
            | AUTH_SASL_CONT | AUTH_SASL_FIN => ra.allows(code),
            _ => false,
        };
        if ok {
            return Ok(());
        }
        Err(ra.fail(if code == AUTH_OK {
            "server did not complete authentication"
        } else {
            describe_request(code)
        }))
    }

    /// `channel_binding=require`: only SASL requests, and OK only after a
    /// channel-bound exchange.
    fn channel_binding(&self, code: i32) -> Result<(), String> {
        if !self.req.channel_binding_required {
            return Ok(());
        }
        match code {
            AUTH_SASL | AUTH_SASL_CONT | AUTH_SASL_FIN => Ok(()),
            AUTH_OK if self.bound => Ok(()),
            AUTH_OK => Err(
                "channel binding required, but server authenticated client without channel binding"
                    .to_string(),
            ),
            _ => Err(
                "channel binding required but not supported by server's authentication request"
                    .to_string(),
            ),
        }
    }

    /// The SASL mechanism libpq would pick from the server's list, checked
    /// against `channel_binding` and `require_auth`.
    fn sasl_mechanism(&mut self, body: &[u8]) -> Result<(), String> {
        if self.req.channel_binding_required && !self.req.tls {
            return Err("channel binding required, but SSL not in use".to_string());
        }
        let offered: Vec<&[u8]> = body.split(|&b| b == 0).filter(|m| !m.is_empty()).collect();
        let has = |name: &str| offered.contains(&name.as_bytes());
        if has(SCRAM_PLUS) && !self.req.tls {
            return Err(
                "server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection"
                    .to_string(),
            );
        }
        let selected = if has(SCRAM_PLUS) && !self.req.channel_binding_disabled {
            (SCRAM_PLUS, Mech::Scram)
        } else if has(SCRAM) {
            (SCRAM, Mech::Scram)
        } else if has(OAUTHBEARER) {
            (OAUTHBEARER, Mech::OAuth)
        } else {
            // tokio-postgres says so itself.
            return Ok(());
        };
        if self.req.channel_binding_required && selected.0 != SCRAM_PLUS {
            return Err("channel binding is required, but server did not offer an authentication method that supports channel binding".to_string());
        }
        if let Some(ra) = &self.req.require_auth {
            if !ra.mechs.contains(&selected.1) {
                return Err(ra.fail(&format!("server requested {} authentication", selected.0)));
            }
        }
        self.bound = selected.0 == SCRAM_PLUS;
        Ok(())
    }
}

/// libpq's failure when `min_protocol_version` asks for more than the
/// protocol spoken (3.0, the only version tokio-postgres speaks).
pub(crate) fn protocol_refusal() -> String {
    "server only supports protocol version 3.0, but \"min_protocol_version\" was set to 3.2"
        .to_string()
}

/// libpq's `requirepeer` check: `actual` is the name of the socket peer's
/// OS user.
pub(crate) fn check_peer(required: &str, actual: &str) -> Result<(), String> {
    if required == actual {
        Ok(())
    } else {
        Err(format!(
            "requirepeer specifies \"{required}\", but actual peer user name is \"{actual}\""
        ))
    }
}
