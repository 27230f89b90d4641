//! The console's strings in English and Simplified Chinese, and [`Tr`], which picks the
//! language. A key names a string; `{0}`, `{1}` … in a string are filled by [`Tr::f`]. The
//! strings here are the window's own (top bar, fleet, aircraft, alerts, connections, settings,
//! map); each feature keeps its strings in its panel's `strings.rs`, declared with [`strings!`],
//! and every table checks that no key lacks its Chinese text.

use std::fmt::Display;

use kestrel_core::console::{ConsoleView, Language};

/// A table of strings: each key's English and Simplified Chinese text.
pub trait Text: Copy + std::fmt::Debug {
    /// English text.
    fn en(self) -> &'static str;
    /// Simplified Chinese text.
    fn zh(self) -> &'static str;
}

/// Declares a table of strings as an enum `S` of keys (implementing [`Text`]), with a test that
/// every key has both texts with the same placeholders.
macro_rules! strings {
    ($($key:ident => ($en:expr, $zh:expr)),* $(,)?) => {
        /// A string of the console.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(clippy::enum_variant_names)]
        pub enum S { $(#[allow(missing_docs)] $key),* }

        impl S {
            /// Every key, for checks.
            #[allow(dead_code)]
            pub const ALL: &'static [S] = &[$(S::$key),*];
        }

        impl $crate::i18n::Text for S {
            fn en(self) -> &'static str {
                match self { $(S::$key => $en),* }
            }

            fn zh(self) -> &'static str {
                match self { $(S::$key => $zh),* }
            }
        }

        #[cfg(test)]
        mod strings_are_translated {
            #[test]
            fn every_string_is_translated_with_the_same_placeholders() {
                $crate::i18n::check_table(super::S::ALL);
            }
        }
    };
}
pub(crate) use strings;

/// Panics naming the first key of `table` that is empty, has placeholders that differ between
/// the languages, or has no Chinese text (language-neutral ones may: the same in both, with no
/// word in them — "GPS", "{0} / {1}").
#[cfg(test)]
pub(crate) fn check_table<K: Text>(table: &[K]) {
    fn placeholders(s: &str) -> Vec<usize> {
        (0..5).filter(|i| s.contains(&format!("{{{i}}}"))).collect()
    }
    for k in table {
        let (en, zh) = (k.en(), k.zh());
        assert!(!en.is_empty() && !zh.is_empty(), "{k:?} is empty");
        assert_eq!(
            placeholders(en),
            placeholders(zh),
            "{k:?} placeholders differ"
        );
        let has_cjk = zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let language_neutral = zh == en && !zh.chars().any(|c| c.is_ascii_lowercase());
        assert!(
            has_cjk || language_neutral,
            "{k:?} has no Chinese text: {zh}"
        );
    }
}

strings! {
    AppSubtitle => ("police patrol ground station", "警用巡逻无人机地面站"),
    Connections => ("Connections", "连接"),
    AlertLog => ("Alert log", "告警日志"),
    Settings => ("Settings", "设置"),
    Language => ("Language", "语言"),
    DemoBadgeFmt => ("DEMO: {0} simulated aircraft", "演示：{0} 架模拟飞机"),
    TeamFmt => ("Team {0}", "巡逻{0}队"),
    SysidFmt => ("system id {0}", "系统号 {0}"),
    Fleet => ("Fleet", "机队"),
    SelectAll => ("Select all", "全选"),
    Tick => ("tick", "勾选"),
    ClearSelection => ("Clear", "清除"),
    CheckedFmt => ("{0} ticked:", "已勾选 {0} 架："),
    RtlChecked => ("Return all ticked", "勾选的全部返航"),
    HoldChecked => ("Hold all ticked", "勾选的全部悬停"),
    NoAircraftYet => ("No aircraft heard yet. Add a link under Connections.", "尚未收到任何飞机。请在“连接”中添加链路。"),
    ColTeam => ("Team", "队伍"),
    ColMode => ("Mode", "模式"),
    ColArmed => ("Armed", "解锁"),
    ColBattery => ("Battery", "电池"),
    ColGps => ("GPS", "GPS"),
    ColLink => ("Link", "链路"),
    ColAlerts => ("Alerts", "告警"),
    ArmedShort => ("ARMED", "已解锁"),
    DisarmedShort => ("safe", "锁定"),
    MinutesFmt => ("{0} min", "{0}分钟"),
    GpsNoFix => ("no fix", "未定位"),
    LinkConnected => ("good", "良好"),
    LinkDegraded => ("degraded", "降级"),
    LinkLost => ("LOST", "丢失"),
    SelectAircraftHint => ("Select an aircraft on the map or in the fleet list.", "请在地图或机队列表中选择一架飞机。"),
    Armed => ("ARMED", "已解锁"),
    Disarmed => ("disarmed", "已锁定"),
    SpeedShort => ("SPD", "速度"),
    AltShort => ("ALT", "高度"),
    AttitudeFmt => ("roll {0}°  pitch {1}°  heading {2}°", "横滚 {0}°  俯仰 {1}°  航向 {2}°"),
    Altitude => ("Altitude", "高度"),
    AltitudeFmt => ("{0} above home ({1} above sea level)", "相对起飞点 {0}（海拔 {1}）"),
    Speed => ("Speed", "速度"),
    SpeedFmt => ("{0} ground, climb {1}", "地速 {0}，爬升 {1}"),
    Battery => ("Battery", "电池"),
    MinutesLeftFmt => ("{0} min left", "剩余约 {0} 分钟"),
    Gps => ("GPS", "GPS"),
    SatellitesFmt => ("{0} satellites", "{0} 颗卫星"),
    Link => ("Link", "链路"),
    LinkDetailFmt => ("{0} · {1} msg/s · {2}% lost · heartbeat {3} s ago", "{0} · {1} 条/秒 · 丢包 {2}% · 心跳 {3} 秒前"),
    Mission => ("Mission", "任务"),
    MissionItemFmt => ("item {0} of {1}", "第 {0} 项，共 {1} 项"),
    MissionItemOnlyFmt => ("item {0}", "第 {0} 项"),
    NoMission => ("no mission", "无任务"),
    Home => ("Home", "起飞点"),
    FlightMode => ("Flight mode", "飞行模式"),
    Arm => ("Arm", "解锁"),
    Disarm => ("Disarm", "上锁"),
    Takeoff => ("Take off", "起飞"),
    TakeoffAltHintFmt => ("Take-off altitude above home (entered in metres; shown in {0} elsewhere)", "起飞高度（相对起飞点，单位米；其他处显示为 {0}）"),
    Rtl => ("Return (RTL)", "返航"),
    Land => ("Land", "降落"),
    Hold => ("Hold", "悬停"),
    ResumeMission => ("Resume mission", "继续任务"),
    FlyHereHint => ("Right-click the map to send the selected aircraft there.", "在地图上右键点击，可令所选飞机飞往该处。"),
    SendingFmt => ("{0}: sending…", "{0}：发送中…"),
    TakeoffToFmt => ("Take off to {0} m", "起飞至 {0} 米"),
    SetModeFmt => ("Mode {0}", "切换模式 {0}"),
    GotoFmt => ("Fly to {0} at {1} m", "飞往 {0}，高度 {1} 米"),
    Accepted => ("accepted", "已执行"),
    Denied => ("denied", "被拒绝"),
    Unsupported => ("not supported by the aircraft", "飞机不支持该指令"),
    TimedOut => ("timed out, no answer", "超时，无应答"),
    NotSent => ("not sent", "未发送"),
    PlotWindowHint => ("Last 5 minutes", "最近 5 分钟"),
    ConfirmTitle => ("Please confirm", "请确认"),
    ConfirmQuestionFmt => ("{0} — {1}?", "确定对 {1} 执行「{0}」？"),
    Confirm => ("Confirm", "确认执行"),
    Cancel => ("Cancel", "取消"),
    SeverityCritical => ("CRITICAL", "严重"),
    SeverityWarning => ("WARNING", "警告"),
    SeverityInfo => ("info", "提示"),
    AlertLinkDegraded => ("link degraded: late heartbeats or heavy loss", "链路降级：心跳延迟或丢包严重"),
    AlertLinkLost => ("LINK LOST: nothing heard from the aircraft", "链路丢失：收不到飞机任何数据"),
    AlertLowBatteryFmt => ("low battery: {0}%", "电量低：{0}%"),
    AlertCriticalBatteryFmt => ("CRITICAL BATTERY: {0}%, land now", "电量严重不足：{0}%，请立即降落"),
    AlertFailsafeFmt => ("FAILSAFE: switched to {0} without a command from this station", "失效保护：飞机自行切换到 {0}（非本站指令）"),
    AlertSystemCritical => ("autopilot reports a critical state", "飞控报告严重故障状态"),
    AlertGeofenceFmt => ("GEOFENCE: {0}", "电子围栏：{0}"),
    AlertAutopilotFmt => ("autopilot: {0}", "飞控消息：{0}"),
    MoreAlertsFmt => ("(+{0} more)", "（另有 {0} 条）"),
    Acknowledge => ("Acknowledge", "确认收到"),
    AcknowledgeAll => ("Acknowledge all", "全部确认"),
    Acknowledged => ("acknowledged", "已确认"),
    ShowLog => ("Log", "日志"),
    AlertCountFmt => ("{0} alerts this session", "本次共 {0} 条告警"),
    LoggedToFmt => ("written to {0}", "记录于 {0}"),
    ColTime => ("Time", "时间"),
    ColSeverity => ("Severity", "级别"),
    ColAlert => ("Alert", "告警内容"),
    ColState => ("State", "状态"),
    ClearedAtFmt => ("cleared {0}", "{0} 已恢复"),
    AckedAtFmt => ("acknowledged {0}", "{0} 已确认"),
    ConnectionHelp => ("Connection strings: udpin:HOST:PORT, udpout:HOST:PORT, tcpin:HOST:PORT, tcpout:HOST:PORT, serial:PORT:BAUD, tlog:FILE", "连接字符串：udpin:主机:端口、udpout:主机:端口、tcpin:主机:端口、tcpout:主机:端口、serial:串口:波特率、tlog:文件"),
    AddLink => ("Add link", "添加链路"),
    LinkOpened => ("opened", "已打开"),
    LinkNotOpened => ("could not open", "无法打开"),
    NoLinks => ("No links open.", "没有打开的链路。"),
    ColLinkName => ("Link", "链路"),
    ColTraffic => ("Frames in / out / bad", "收 / 发 / 错误帧"),
    ColPeers => ("Peers", "对端"),
    LinkUp => ("up", "正常"),
    LinkConnecting => ("connecting", "连接中"),
    LinkDown => ("down", "中断"),
    LinkClosed => ("closed", "已关闭"),
    TrafficFmt => ("{0} / {1} / {2}", "{0} / {1} / {2}"),
    Remove => ("Remove", "移除"),
    Units => ("Units", "单位"),
    UnitsMetric => ("metres, m/s", "米、米/秒"),
    UnitsImperial => ("feet, knots", "英尺、节"),
    MapTiles => ("Map tiles", "地图瓦片"),
    TilesCustom => ("XYZ server (URL template, e.g. Tianditu with key)", "XYZ 瓦片服务（URL 模板，如带密钥的天地图）"),
    TilesPack => ("Offline pack (.mbtiles or .pmtiles file)", "离线地图包（.mbtiles 或 .pmtiles 文件）"),
    TilesNone => ("No map (grid only)", "不显示地图（仅网格）"),
    TakeoffAltitude => ("Take-off altitude", "默认起飞高度"),
    LowBatteryAt => ("Low battery alert at", "低电量告警阈值"),
    CriticalBatteryAt => ("Critical battery alert at", "严重低电量告警阈值"),
    Callsigns => ("Callsigns", "呼号"),
    CrewSeat => ("Crew seat (from the next start)", "机组席位（下次启动生效）"),
    SeatNone => ("none: a console of its own", "无：独立控制台"),
    SeatPerson => ("Who sits here", "席位人员"),
    SeatSysid => ("System id (blank: the seat's own)", "系统号（留空：席位默认）"),
    SeatSysidBad => ("The system id must be 1-255.", "系统号必须为 1-255。"),
    Apply => ("Apply", "应用"),
    SavedToFmt => ("saved to {0}", "保存于 {0}"),
    PackMustBeFile => ("an offline pack must be a .mbtiles or .pmtiles file", "离线地图包必须是 .mbtiles 或 .pmtiles 文件"),
    ThresholdOrder => ("the critical battery level must be below the low battery level", "严重低电量阈值必须低于低电量阈值"),
    LinksUpFmt => ("links {0}/{1} up", "链路 {0}/{1} 正常"),
    AircraftHeardFmt => ("{0} aircraft", "{0} 架飞机"),
    AircraftLostFmt => ("{0} lost", "{0} 架失联"),
    MapFmt => ("map: {0}", "地图：{0}"),
    MapLoadingFmt => ("map: {0} (loading {1})", "地图：{0}（加载中 {1}）"),
    MapOfflineFmt => ("map: {0} OFFLINE — cached tiles and grid", "地图：{0} 离线——仅显示缓存瓦片与网格"),
    Cursor => ("cursor", "光标"),
    TilesGridName => ("grid only", "仅网格"),
    RecordingFmt => ("recording {0}", "正在记录 {0}"),
    ZoomIn => ("Zoom in", "放大"),
    ZoomOut => ("Zoom out", "缩小"),
    FollowSelected => ("Follow selected", "跟随所选"),
    FollowFleet => ("Whole fleet", "显示全机队"),
    SelectAircraftFirst => ("Select an aircraft first.", "请先选择飞机。"),
    FlyHereFmt => ("Fly {0} here at {1}", "令 {0} 飞往此处（高度 {1}）"),
    CopyCoordinates => ("Copy coordinates", "复制坐标"),
    ColTrusted => ("Trusted", "可信"),
    LinkTrusted => ("trusted", "可信"),
    LinkTrustedHint => ("Only over a trusted link — e.g. a USB cable or a bench radio — is a signing key ever sent to an aircraft, since anyone listening to the link learns the key. Do not mark a radio link used in the field as trusted.", "只有通过可信链路（例如USB数据线或台架上的数传电台）才会向飞机发送签名密钥，因为任何监听该链路的人都能获知密钥。请勿将外场使用的无线链路标为可信。"),
    AlertFramesRefusedFmt => ("{0} {1} frames refused — another station may be trying to command or spoof this aircraft", "已拒收 {0} 帧{1}消息——可能有其他地面站试图控制或冒充这架飞机"),
    RefusalUnsigned => ("unsigned", "未签名"),
    RefusalBadSignature => ("wrongly signed", "签名错误的"),
    RefusalReplayed => ("replayed", "重放的"),
    AlertSysidConflictFmt => ("system id conflict: {0}", "系统号冲突：{0}"),

}

/// The strings of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Language);

impl Tr {
    /// The text of `key`.
    pub fn s(self, key: impl Text) -> &'static str {
        match self.0 {
            Language::English => key.en(),
            Language::Chinese => key.zh(),
        }
    }

    /// The text of `key` with `{0}`, `{1}` … replaced by `args`.
    pub fn f(self, key: impl Text, args: &[&dyn Display]) -> String {
        let mut out = self.s(key).to_string();
        for (i, a) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), &a.to_string());
        }
        out
    }
}

/// The callsign of an aircraft in `view` as the window shows it: the one the core resolved
/// (settings, else the crew registry), else "Team N" in the window's language.
pub fn callsign(view: &ConsoleView, tr: Tr, sysid: u8) -> String {
    view.callsigns
        .get(&sysid)
        .cloned()
        .unwrap_or_else(|| tr.f(S::TeamFmt, &[&sysid]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_fills_placeholders() {
        let tr = Tr(Language::Chinese);
        assert_eq!(tr.f(S::TeamFmt, &[&3]), "巡逻3队");
        assert_eq!(
            Tr(Language::English).f(S::MissionItemFmt, &[&2, &9]),
            "item 2 of 9"
        );
    }

    #[test]
    fn the_check_refuses_a_string_without_chinese() {
        #[derive(Debug, Clone, Copy)]
        struct Untranslated;
        impl Text for Untranslated {
            fn en(self) -> &'static str {
                "Battery {0}"
            }
            fn zh(self) -> &'static str {
                "Battery {0}"
            }
        }
        assert!(std::panic::catch_unwind(|| check_table(&[Untranslated])).is_err());
    }
}
