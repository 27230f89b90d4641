//! Which decoder element turns the encoded stream into pictures: a hardware decoder when the
//! GStreamer registry has one that works on this machine (VA-API, NVDEC, V4L2 stateless or
//! stateful, Direct3D 11, VideoToolbox), the libav software decoder otherwise. Hardware decoder
//! plugins only register their elements when a usable device exists, so finding the factory is
//! a good probe; a decoder that still fails at run time is dropped for that stream (see
//! [`super::stream`]).

use super::source::Codec;
use super::VideoError;

/// Hardware H.264 decoders, best first.
const HW_H264: &[&str] = &[
    "vah264dec",
    "nvh264dec",
    "vaapih264dec",
    "v4l2slh264dec",
    "v4l2h264dec",
    "d3d11h264dec",
    "vtdec_hw",
];

/// Hardware H.265 decoders, best first.
const HW_H265: &[&str] = &[
    "vah265dec",
    "nvh265dec",
    "vaapih265dec",
    "v4l2slh265dec",
    "v4l2h265dec",
    "d3d11h265dec",
    "vtdec_hw",
];

/// How to pick the decoder, from settings or `KESTREL_VIDEO_DECODER` (`auto`, `software`, or
/// an element name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DecoderPreference {
    /// Hardware when present, software otherwise.
    #[default]
    Auto,
    /// Always the libav software decoder.
    Software,
    /// This exact element (e.g. `vah264dec`).
    Element(String),
}

impl DecoderPreference {
    /// Reads `KESTREL_VIDEO_DECODER`; unset or empty means [`DecoderPreference::Auto`].
    pub fn from_env() -> Self {
        match std::env::var("KESTREL_VIDEO_DECODER") {
            Ok(v) => Self::parse(&v),
            Err(_) => Self::Auto,
        }
    }

    /// Parses `auto`, `software`/`sw`, or an element name.
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Self::Auto,
            "software" | "sw" | "soft" => Self::Software,
            _ => Self::Element(s.trim().to_string()),
        }
    }
}

/// The decoder chosen for a stream.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DecoderChoice {
    /// Element factory name.
    pub element: String,
    /// Whether it decodes on a GPU / hardware block.
    pub hardware: bool,
}

impl DecoderChoice {
    /// The element with low-latency properties, as a gst-launch fragment.
    pub fn launch_fragment(&self) -> String {
        if self.element.starts_with("avdec_") {
            // Frame threading would hold back one frame per thread; slice threading does not.
            // Corrupt frames (joined mid-stream, before the first keyframe, or after loss) are
            // dropped: a grey or smeared picture would be shown as if it were the live view.
            format!(
                "{} name=dec thread-type=slice max-threads=0 output-corrupt=false",
                self.element
            )
        } else {
            format!("{} name=dec", self.element)
        }
    }
}

/// The libav decoder for `codec`.
pub fn software_decoder(codec: Codec) -> &'static str {
    match codec {
        Codec::H264 => "avdec_h264",
        Codec::H265 => "avdec_h265",
    }
}

/// Hardware decoder names for `codec`, best first (whether or not installed).
pub fn hardware_candidates(codec: Codec) -> &'static [&'static str] {
    match codec {
        Codec::H264 => HW_H264,
        Codec::H265 => HW_H265,
    }
}

/// Hardware decoders for `codec` that this machine's GStreamer registry offers.
pub fn available_hardware(codec: Codec) -> Vec<&'static str> {
    if super::init().is_err() {
        return Vec::new();
    }
    hardware_candidates(codec)
        .iter()
        .copied()
        .filter(|name| gstreamer::ElementFactory::find(name).is_some())
        .collect()
}

/// Picks the decoder for `codec`; `allow_hardware = false` after a hardware decoder failed.
pub fn choose(
    codec: Codec,
    pref: &DecoderPreference,
    allow_hardware: bool,
) -> Result<DecoderChoice, VideoError> {
    super::init()?;
    let software = software_decoder(codec);
    match pref {
        DecoderPreference::Element(name) if allow_hardware || name.starts_with("avdec_") => {
            super::require_elements(&[name.as_str()])?;
            let hardware = !name.starts_with("avdec_");
            Ok(DecoderChoice {
                element: name.clone(),
                hardware,
            })
        }
        DecoderPreference::Auto if allow_hardware => {
            if let Some(hw) = available_hardware(codec).first() {
                return Ok(DecoderChoice {
                    element: (*hw).to_string(),
                    hardware: true,
                });
            }
            super::require_elements(&[software])?;
            Ok(DecoderChoice {
                element: software.to_string(),
                hardware: false,
            })
        }
        // Software, or the named/hardware decoder failed on this stream.
        _ => {
            super::require_elements(&[software])?;
            Ok(DecoderChoice {
                element: software.to_string(),
                hardware: false,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preference_parsing() {
        assert_eq!(DecoderPreference::parse(""), DecoderPreference::Auto);
        assert_eq!(DecoderPreference::parse("SW"), DecoderPreference::Software);
        assert_eq!(
            DecoderPreference::parse("vah264dec"),
            DecoderPreference::Element("vah264dec".into())
        );
    }

    #[test]
    fn software_is_chosen_when_asked_or_after_a_hardware_failure() {
        let c = choose(Codec::H264, &DecoderPreference::Software, true).unwrap();
        assert_eq!(c.element, "avdec_h264");
        assert!(!c.hardware);
        let c = choose(Codec::H265, &DecoderPreference::Auto, false).unwrap();
        assert_eq!(c.element, "avdec_h265");
        let named = DecoderPreference::Element("vah264dec".into());
        assert_eq!(
            choose(Codec::H264, &named, false).unwrap().element,
            "avdec_h264"
        );
        assert!(c.launch_fragment().contains("thread-type=slice"));
    }

    #[test]
    fn auto_prefers_hardware_that_is_present() {
        let c = choose(Codec::H264, &DecoderPreference::Auto, true).unwrap();
        let hw = available_hardware(Codec::H264);
        match hw.first() {
            Some(first) => assert_eq!(&c.element, first),
            None => assert_eq!(c.element, "avdec_h264"),
        }
    }

    #[test]
    fn a_missing_named_decoder_says_which_package() {
        let e = choose(
            Codec::H264,
            &DecoderPreference::Element("nosuchdec".into()),
            true,
        )
        .unwrap_err();
        assert!(e.to_string().contains("nosuchdec"), "{e}");
    }
}
