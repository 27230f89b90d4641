//! The strings of the signing controls, in English and Simplified Chinese.

crate::i18n::strings! {
    Signing => ("Signing", "消息签名"),
    SigningOn => ("on", "已启用"),
    SigningUnconfirmed => ("key set, not yet confirmed", "已设密钥，尚未确认"),
    SigningOff => ("off (unsigned)", "未启用（未签名）"),
    SigningWithoutKey => ("signs, but this station holds no key: its commands will be refused", "飞机已签名，但本站没有密钥：本站指令将被拒收"),
    SigningRejectedFmt => ("{0} frames refused", "已拒收 {0} 帧"),
    SigningSetup => ("Set up signing…", "设置签名…"),
    SigningRevoke => ("Revoke…", "撤销…"),
    SigningSetupHint => ("Sends this aircraft a new key over the trusted link; then every frame to it is signed and its unsigned frames are refused, so no other station can command it.", "通过可信链路向这架飞机发送新密钥；此后发往它的每帧消息都带签名，它发出的未签名消息将被拒收，其他地面站无法再控制它。"),
    SigningNeedsTrustedHint => ("This aircraft is not heard over any trusted link. Connect it by USB cable or bench radio and tick \"trusted\" for that link under Connections first.", "这架飞机不在任何可信链路上。请先用USB数据线或台架数传电台连接，并在“连接”中勾选该链路的“可信”。"),
    SigningRevokeHint => ("Tells the aircraft (with a signed message) to stop signing and deletes its key here.", "（用签名消息）通知飞机停止签名，并删除本站保存的密钥。"),
    SigningConfirmSetupFmt => ("Send a signing key to {0} over the trusted link? From then on only stations holding the key can command it.", "通过可信链路向{0}发送签名密钥？此后只有持有该密钥的地面站才能控制它。"),
    SigningConfirmRevokeFmt => ("Turn signing off with {0}? Any station will be able to command it again.", "关闭与{0}的消息签名？此后任何地面站都能再次控制它。"),
    SigningWorking => ("working…", "进行中…"),
    SigningSetupDoneFmt => ("{0}: signing on", "{0}：签名已启用"),
    SigningRevokeDoneFmt => ("{0}: signing off, key deleted", "{0}：签名已关闭，密钥已删除"),
    SigningFailedFmt => ("{0}: signing not changed — {1}", "{0}：签名未更改——{1}"),
}
