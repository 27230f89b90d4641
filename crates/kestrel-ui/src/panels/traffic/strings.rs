//! The strings of the traffic layer and its alerts, in English and Simplified Chinese.

crate::i18n::strings! {
    ConflictAdvisory => ("advisory", "提示"),
    ConflictWarning => ("warning", "警告"),
    Above => ("above", "上方"),
    Below => ("below", "下方"),
    ActionMonitor => ("keep watch, be ready to descend", "保持观察，准备下降"),
    ActionDescend => ("descend now", "立即下降"),
    ActionClimb => ("hold position and climb clear", "悬停并爬升避让"),
    ConflictFmt => ("traffic {0}: {1} {2} m away at {3}°, {4} m {5}; closest {6} m in {7} s — {8}", "空中交通{0}：{1} 距离 {2} 米，方位 {3}°，{5} {4} 米；{7} 秒后最近 {6} 米——{8}"),
    CollisionLow => ("low", "低"),
    CollisionHigh => ("high", "高"),
    CollisionFmt => ("aircraft reports a {0} collision threat from {1}: {2} m horizontal, {3} m vertical in {4} s; its action: {5}", "飞机报告来自 {1} 的{0}级碰撞威胁：{4} 秒后水平 {2} 米、垂直 {3} 米；飞机动作：{5}"),
}
