//! One spelling per enum value: [`spelled_enum!`] derives `ALL`, `as_str`,
//! `Display`, `FromStr` and serde from a single list of `Variant => "text"`
//! pairs, so the command line, TOML, CSV files and messages cannot drift.

/// `a`, `a or b`, `a, b or c`: the choices an error message offers.
pub(crate) fn choices(spellings: &[&str]) -> String {
    match spellings {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Implements, for a fieldless enum, `ALL` (every value in the order
/// given), `as_str`, `Display`, `FromStr` (an unknown spelling is an error
/// naming `what` and the choices) and serde's `Serialize`/`Deserialize`
/// through the same spellings.
macro_rules! spelled_enum {
    ($vis:vis $ty:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in documentation order.
            $vis const ALL: [$ty; [$(stringify!($variant)),+].len()] = [$($ty::$variant),+];

            /// The spelling on the command line, in TOML and in CSV files.
            $vis const fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        format!(
                            "unknown {} `{s}` (use {})",
                            $what,
                            $crate::common::spelling::choices(&[$($text),+])
                        )
                    })
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use spelled_enum;

#[cfg(test)]
mod tests {
    #[test]
    fn choices_read_as_a_sentence() {
        assert_eq!(super::choices(&["tokio"]), "tokio");
        assert_eq!(super::choices(&["tokio", "smol"]), "tokio or smol");
        assert_eq!(
            super::choices(&["cpu", "spin", "sleep"]),
            "cpu, spin or sleep"
        );
    }
}
