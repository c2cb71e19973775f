//! The two touch panels by output name: `[windows.front] output = "HDMI-1"` and
//! `[windows.back] output = "DP-1"` put each window on that connector's panel, whatever order
//! the X server found them in and whatever their resolutions.
//!
//! Xorg starts two panels cloned (both at 0,0) or in an order of its own; `xrandr` arranges
//! them: the front panel at 0,0 in its preferred mode, the back one to its right. The windows
//! are then placed at each output's origin and sized to it, so `position` and `size` in the
//! configuration need not be worked out by hand. Without an output name the configured
//! position is used as it is (the demo, a single screen, Xvfb in the tests).

use std::process::Command;

/// Where an output sits on the X screen and its size: (x, y, width, height).
pub type Geometry = (i32, i32, u32, u32);

/// One RandR output as `xrandr --query` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The connector: `HDMI-1`, `DP-2`, `eDP-1` (driver-specific spellings).
    pub name: String,
    /// A panel is plugged in.
    pub connected: bool,
    /// Where it sits on the X screen and its size, when it is on: (x, y, width, height).
    pub geometry: Option<Geometry>,
}

/// Parse `xrandr --query`.
pub fn parse_query(text: &str) -> Vec<Output> {
    text.lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('\t') && !l.starts_with("Screen "))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?.to_owned();
            let state = words.next()?;
            let connected = match state {
                "connected" => true,
                "disconnected" => false,
                _ => return None,
            };
            let geometry = words
                .filter(|w| *w != "primary")
                .take(1)
                .find_map(parse_geometry);
            Some(Output {
                name,
                connected,
                geometry,
            })
        })
        .collect()
}

/// `1920x1080+1920+0` → (1920, 0, 1920, 1080).
fn parse_geometry(word: &str) -> Option<Geometry> {
    let (size, rest) = word.split_once('+')?;
    let (x, y) = rest.split_once('+')?;
    let (w, h) = size.split_once('x')?;
    Some((
        x.parse().ok()?,
        y.parse().ok()?,
        w.parse().ok()?,
        h.parse().ok()?,
    ))
}

/// Why the panels could not be listed or arranged.
#[derive(Debug, thiserror::Error)]
pub enum PanelsError {
    /// xrandr is not installed or cannot run.
    #[error("xrandr: {0} (package x11-xserver-utils)")]
    NoXrandr(std::io::Error),
    /// xrandr ran and failed (no display, no RandR, a mode the panel refused).
    #[error("xrandr {args} failed: {stderr}")]
    Failed {
        /// The arguments it was given.
        args: String,
        /// Its own message.
        stderr: String,
    },
    /// A configured output does not exist or has no panel: what [`missing`] says.
    #[error("{0}")]
    Unusable(String),
}

/// The outputs of the X server on `$DISPLAY`.
pub fn query() -> Result<Vec<Output>, PanelsError> {
    let out = Command::new("xrandr")
        .arg("--query")
        .output()
        .map_err(PanelsError::NoXrandr)?;
    if !out.status.success() {
        return Err(PanelsError::Failed {
            args: "--query".into(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(parse_query(&String::from_utf8_lossy(&out.stdout)))
}

/// Why a named output cannot be used, with what is connected instead.
pub fn missing(outputs: &[Output], name: &str) -> Option<String> {
    match outputs.iter().find(|o| o.name == name) {
        Some(o) if o.connected => None,
        found => {
            let connected: Vec<&str> = outputs
                .iter()
                .filter(|o| o.connected)
                .map(|o| o.name.as_str())
                .collect();
            Some(format!(
                "output {name:?} {} (connected: {})",
                if found.is_some() {
                    "has no panel plugged in"
                } else {
                    "does not exist"
                },
                if connected.is_empty() {
                    "none".to_owned()
                } else {
                    connected.join(", ")
                }
            ))
        }
    }
}

/// Arrange the named outputs (front at 0,0, back to its right, each in its preferred mode)
/// and return each one's geometry (x, y, width, height), front first. An empty name is left
/// alone and gives `None`.
pub fn arrange(front: &str, back: &str) -> Result<[Option<Geometry>; 2], PanelsError> {
    let outputs = query()?;
    for name in [front, back].into_iter().filter(|n| !n.is_empty()) {
        if let Some(why) = missing(&outputs, name) {
            return Err(PanelsError::Unusable(why));
        }
    }
    let mut args: Vec<String> = Vec::new();
    if !front.is_empty() {
        args.extend(["--output", front, "--auto", "--pos", "0x0", "--primary"].map(String::from));
    }
    if !back.is_empty() && back != front {
        args.extend(["--output", back, "--auto"].map(String::from));
        if front.is_empty() {
            args.extend(["--pos", "0x0"].map(String::from));
        } else {
            args.extend(["--right-of", front].map(String::from));
        }
    }
    let out = Command::new("xrandr")
        .args(&args)
        .output()
        .map_err(PanelsError::NoXrandr)?;
    if !out.status.success() {
        return Err(PanelsError::Failed {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    let outputs = query()?;
    let geometry = |name: &str| {
        (!name.is_empty())
            .then(|| outputs.iter().find(|o| o.name == name)?.geometry)
            .flatten()
    };
    Ok([geometry(front), geometry(back)])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `xrandr --query` on a kiosk PC with two 1080p panels, the second still off.
    const TWO_PANELS: &str = "\
Screen 0: minimum 320 x 200, current 1920 x 1080, maximum 16384 x 16384
HDMI-1 connected primary 1920x1080+0+0 (normal left inverted right x axis y axis) 527mm x 296mm
   1920x1080     60.00*+  50.00    59.94
   1280x720      60.00    50.00
DP-1 connected (normal left inverted right x axis y axis)
   1920x1080     60.00 +
HDMI-2 disconnected (normal left inverted right x axis y axis)
DP-2 connected 1280x800+1920+0 (normal left inverted right x axis y axis) 0mm x 0mm
   1280x800      60.00*+
";

    #[test]
    fn outputs_their_state_and_where_they_sit() {
        let o = parse_query(TWO_PANELS);
        assert_eq!(o.len(), 4, "{o:?}");
        assert_eq!(o[0].name, "HDMI-1");
        assert_eq!(o[0].geometry, Some((0, 0, 1920, 1080)));
        assert!(
            o[1].connected && o[1].geometry.is_none(),
            "connected but off"
        );
        assert!(!o[2].connected);
        assert_eq!(o[3].geometry, Some((1920, 0, 1280, 800)));
    }

    #[test]
    fn a_wrong_output_name_says_which_are_connected() {
        let o = parse_query(TWO_PANELS);
        assert_eq!(missing(&o, "DP-1"), None);
        let why = missing(&o, "HDMI-2").unwrap();
        assert!(why.contains("no panel plugged in") && why.contains("HDMI-1, DP-1, DP-2"));
        assert!(missing(&o, "VGA-1").unwrap().contains("does not exist"));
    }
}
