//! The strings of the sound menu, in English and Simplified Chinese.

crate::i18n::strings! {
    Sound => ("Sound", "声音"),
    Muted => ("Sound off", "已静音"),
    SoundHint => ("Call-outs, new tasks and alerts sound until answered", "呼报、新任务和告警在处理前持续提示音"),
    SoundOn => ("Sounds on", "开启声音"),
    Volume => ("Volume", "音量"),
    TestCallOut => ("Test: call-out", "试听：呼报"),
    TestUrgent => ("Test: urgent call-out", "试听：紧急呼报"),
    TestTask => ("Test: new task", "试听：新任务"),
    TestAlert => ("Test: alert", "试听：告警"),
    NoSoundFmt => ("No sound: {0}", "无声音：{0}"),
    RefusedFmt => ("Sound: {0}", "声音：{0}"),
}
