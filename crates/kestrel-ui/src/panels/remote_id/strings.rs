//! The strings of the Remote ID row, in English and Simplified Chinese.

crate::i18n::strings! {
    RemoteId => ("Remote ID", "远程识别"),
    Ready => ("ready to arm", "可以解锁"),
    NotReadyFmt => ("not ready: {0}", "未就绪：{0}"),
    BlockedFmt => ("nothing sent: {0}", "未发送：{0}"),
    SentFmt => ("operator position sent {0}×, operator ID {1}×", "已发送操作员位置 {0} 次、操作员编号 {1} 次"),
    OperatorRefusedFmt => ("Remote ID operator not changed: {0}", "远程识别操作员未更改：{0}"),
}
