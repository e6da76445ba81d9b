# Machine-assisted translation, not yet reviewed by a native speaker.
# Per-role lists: the referral inbox, notifications, the case list.

## Moments relative to today
when-today = วันนี้
when-today-at = วันนี้ {$time}
when-yesterday = เมื่อวาน
when-days-ago = {$days ->
    [one] {$days} วันที่แล้ว
   *[other] {$days} วันที่แล้ว
}

## Age bands (what a receiving organisation may know before accepting)
age-band-0_11 = อายุ 0 ถึง 11 ปี (เด็ก)
age-band-12_17 = อายุ 12 ถึง 17 ปี (เด็ก)
age-band-18_24 = อายุ 18 ถึง 24 ปี
age-band-25_34 = อายุ 25 ถึง 34 ปี
age-band-35_44 = อายุ 35 ถึง 44 ปี
age-band-45_plus = อายุ 45 ปีขึ้นไป
age-band-unknown = ไม่ทราบอายุ

## The referral inbox
referrals-unknown-org = องค์กรที่ไม่ได้ลงทะเบียนแล้ว
referrals-sent-by = ส่งโดย
referrals-sent-to = ส่งถึง
referrals-person = บุคคล
referrals-person-not-shared = ไม่ได้แบ่งปัน (การส่งต่อนี้ไม่มีข้อมูลระบุตัวตน)
referrals-sent = ส่งเมื่อ
referrals-reason-given = เหตุผลที่ให้ไว้
referrals-decline-reason = เหตุผลที่คุณปฏิเสธ (ผู้ส่งจะได้อ่าน)
referrals-open-case = เปิดกรณี
referrals-none-inbox = ไม่มีการส่งต่อที่รอองค์กรของคุณ การส่งต่อใหม่จะปรากฏที่นี่ และคุณจะได้รับการแจ้งเตือน
referrals-none-outbox = องค์กรของคุณยังไม่เคยส่งต่อ ส่งต่อได้จากหน้า "ความยินยอมและการส่งต่อ" ของกรณี
referrals-error-title = การส่งต่อยังไม่ถูกปฏิเสธ
referrals-error-reason = ระบุเหตุผลที่คุณปฏิเสธ: องค์กรผู้ส่งต้องใช้เพื่อหาบริการอื่น
referrals-done-accept = รับการส่งต่อแล้ว: ขณะนี้คุณเปิดกรณีได้พร้อมข้อมูลที่แบ่งปัน และได้แจ้งผู้ส่งแล้ว
referrals-done-decline = ปฏิเสธการส่งต่อแล้ว และได้แจ้งเหตุผลให้ผู้ส่งทราบ
referrals-done-complete = ทำเครื่องหมายว่าการส่งต่อเสร็จสิ้นแล้ว
referrals-done-revoke = เพิกถอนการส่งต่อแล้ว
audit-action-referral-preview = ดูเพศและช่วงอายุของบุคคลในการส่งต่อ เพื่อพิจารณาการส่งต่อ

## Notifications: what happened, in words
notifications-new-title = ใหม่
notifications-read-title = อ่านแล้ว
notifications-none-unread = ไม่มีอะไรใหม่ คุณจะได้รับแจ้งที่นี่เมื่อมีการส่งต่อเข้ามาหรือได้รับคำตอบ เมื่อมีงานหรือกรณีมอบให้คุณ เมื่อมีการบันทึกการอนุมัติหรือการวินิจฉัย หรือเมื่อใกล้ถึงกำหนด
notifications-mark-all-read = ทำเครื่องหมายว่าอ่านแล้วทั้งหมด
notifications-mark-one = ทำเครื่องหมายว่าอ่านแล้ว
notifications-marked-one = ทำเครื่องหมายการแจ้งเตือนว่าอ่านแล้ว โดยเก็บไว้ใน "อ่านแล้ว"
notice-other = มีการเปลี่ยนแปลงใน SafePath ที่เกี่ยวข้องกับคุณ
notice-referral = { $source ->
    [screening] การคัดกรองได้ส่งต่อบุคคลหนึ่งมายังองค์กรของคุณ: กรณี { $reference } รอผู้จัดการรายกรณี
   *[other] การส่งต่อใหม่สำหรับ { $service } จาก { $org } ({ $urgency }): พิจารณาในกล่องการส่งต่อของคุณ
}
notice-referral-plain = มีการส่งต่อใหม่รออยู่ในกล่องการส่งต่อขององค์กรของคุณ
notice-referral-answered = { $side ->
    [sender] การส่งต่อกรณี { $reference } ของคุณไปยัง { $org } สำหรับ { $service } ขณะนี้: { $state }
   *[receiver] การส่งต่อจาก { $org } สำหรับ { $service } ขณะนี้: { $state }
}
notice-referral-answered-plain = การส่งต่อได้รับคำตอบแล้ว
notice-consent-withdrawn-plain = บุคคลนั้นถอนความยินยอมแล้ว: การส่งต่อมายังองค์กรของคุณสิ้นสุดลง และไม่สามารถเข้าถึงข้อมูลได้อีก
notice-approval-requested = มีการขอให้คุณอนุมัติในกรณี { $reference }: { $subject }
notice-approval-requested-plain = มีการขอให้คุณอนุมัติในกรณีหนึ่ง
notice-approval-decided = { $subject } ที่คุณขออนุมัติในกรณี { $reference } ได้ผลว่า { $state }
notice-approval-decided-plain = การอนุมัติที่คุณขอได้รับการตัดสินแล้ว
notice-task-assigned = งานในกรณี { $reference } เป็นของคุณ กำหนด { $due }
notice-task-assigned-plain = งานในกรณีหนึ่งเป็นของคุณ
notice-task-due = งานในกรณี { $reference } ถึงกำหนดวันที่ { $due }
notice-task-due-plain = งานของคุณถึงกำหนดแล้ว
notice-case-assigned = กรณี { $reference } ได้รับมอบหมายให้คุณดูแล
notice-case-assigned-plain = มีกรณีหนึ่งได้รับมอบหมายให้คุณดูแล
notice-case-changed = มีผู้อื่นเปลี่ยนแปลงกรณี { $reference } ที่คุณดูแล
notice-case-changed-plain = มีผู้อื่นเปลี่ยนแปลงกรณีที่คุณดูแล
notice-document-added = { $org } เพิ่มเอกสารในกรณี { $reference } ที่คุณดูแล
notice-document-added-plain = หน่วยงานอื่นเพิ่มเอกสารในกรณีที่คุณดูแล
notice-recovery-codes-reset-plain = รหัสกู้คืนของการลงชื่อเข้าใช้สองขั้นตอนของคุณถูกแทนที่หลังการเปลี่ยนกุญแจความปลอดภัย สร้างรหัสใหม่ในการตั้งค่า แอปยืนยันตัวตนของคุณยังใช้ลงชื่อเข้าใช้ได้
notice-decision = มีการบันทึก { $stage } ในกรณี { $reference }
notice-decision-plain = มีการบันทึกการวินิจฉัยการคัดแยกในกรณีที่คุณดูแล
notice-break-glass = { $user } (ผู้ดูแลระบบ) เปิดกรณี { $reference } ในสถานการณ์ฉุกเฉิน (การเข้าถึงกรณีฉุกเฉิน) เหตุผลอยู่ในประวัติการเข้าถึงและแก้ไขของกรณี
notice-break-glass-plain = ผู้ดูแลระบบเปิดกรณีหนึ่งขององค์กรของคุณในสถานการณ์ฉุกเฉิน (การเข้าถึงกรณีฉุกเฉิน) เหตุผลอยู่ในประวัติการเข้าถึงและแก้ไขของกรณี
notice-tracing-match = คำขอติดตามค้นหาครอบครัวอาจเกี่ยวข้องกับบุคคลในกรณี { $reference } ตรวจสอบคำขอและสอบถามบุคคลนั้น
notice-tracing-match-plain = คำขอติดตามค้นหาครอบครัวอาจเกี่ยวข้องกับบุคคลที่อยู่ในความดูแลของคุณ
notice-tracing-found = คำขอติดตามค้นหา { $reference }: พบบุคคลนั้นแล้วและยินยอมให้ติดต่อ เปิดคำขอเพื่อดูช่องทางการติดต่อ
notice-tracing-found-plain = พบบุคคลที่คุณตามหาแล้ว และบุคคลนั้นยินยอมให้ติดต่อ
notice-permit-expiry = { $expired ->
    [yes] ใบอนุญาตในกรณี { $reference } หมดอายุเมื่อ { $day } และบุคคลนั้นยังอยู่ในความคุ้มครอง
   *[no] ใบอนุญาตในกรณี { $reference } จะหมดอายุวันที่ { $day }
}
notice-permit-expiry-plain = ใบอนุญาตในกรณีที่คุณทำงานอยู่จะหมดอายุในเร็วๆ นี้
notice-hearing-upcoming = บุคคลในกรณี { $reference } มี { $event } วันที่ { $day }: จัดเตรียมผู้ติดตาม ล่าม และการเดินทาง
notice-hearing-upcoming-plain = บุคคลในกรณีที่คุณทำงานอยู่จะมีการพิจารณาคดีในเร็วๆ นี้
notice-open-inbox = เปิดกล่องการส่งต่อ
notice-open-referrals = เปิดการส่งต่อของกรณี
notice-open-approvals = เปิดการอนุมัติ
notice-open-tasks = เปิดแผนการดูแล
notice-open-decisions = เปิดการวินิจฉัย
notice-open-audit = เปิดประวัติการเข้าถึงและแก้ไข
notice-open-tracing-request = เปิดคำขอติดตามค้นหา
notice-open-tracing = เปิดการติดตามค้นหาครอบครัว
notice-open-justice = เปิดสิทธิและกระบวนการยุติธรรม
notice-open-case = เปิดกรณี
notice-open-documents = เปิดเอกสาร
notice-open-two-factor = เปิดการลงชื่อเข้าใช้สองขั้นตอน

## The case list
cases-filter-manager = ผู้จัดการรายกรณี
cases-filter-overdue = เฉพาะกรณีที่มีการวินิจฉัยหรืองานเกินกำหนด
cases-next-deadline = กำหนดถัดไป
cases-no-deadline = ไม่มีที่ค้างอยู่
cases-overdue = เกินกำหนด
cases-search-title = ผลการค้นหา
cases-search-count = กรณีที่พบ
cases-back-to-list = กลับไปที่กรณีทั้งหมด
cases-none-search = ไม่มีกรณีที่ตรงกับการค้นหานี้ ตรวจสอบการสะกด ลองใช้คำเดียวจากชื่อหรือเลขอ้างอิง (SP-…) หรือค้นหาระเบียนที่มีอยู่ก่อนเปิดกรณีใหม่
cases-none-filtered = ไม่มีกรณีที่ตรงกับตัวกรองเหล่านี้ ผ่อนตัวกรองลง หรือล้างตัวกรองเพื่อดูทุกกรณีที่คุณดูได้
cases-none-yet = คุณยังไม่มีกรณีที่ดูได้ กรณีจะปรากฏที่นี่เมื่อคุณเปิดกรณี เมื่อมีกรณีมอบหมายให้คุณ หรือเมื่อองค์กรของคุณรับการส่งต่อ
cases-search-gone-title = ไม่ได้เก็บการค้นหานี้ไว้แล้ว
cases-search-gone = การค้นหาจะถูกเก็บไว้ 30 นาทีและเฉพาะสำหรับเซสชันที่ค้นหาเท่านั้น (ชื่อจะไม่ถูกใส่ในที่อยู่เว็บ) ค้นหาอีกครั้งจากรายการกรณี
notice-handover-alert = { $alert ->
    [security_alert] มีการแจ้งเตือนด้านความปลอดภัยในการส่งมอบข้ามพรมแดน โปรดอ่านและตัดสินใจร่วมกับอีกฝ่าย
   *[other] รายงานติดตามผลหลังการส่งกลับระบุว่าบุคคลอาจเสี่ยงถูกค้ามนุษย์ซ้ำ โปรดดำเนินการร่วมกับอีกฝ่ายทันที
}
notice-handover-alert-plain = มีการแจ้งเตือนในการส่งมอบข้ามพรมแดน
notice-open-handover = เปิดการส่งมอบ
notice-returned-person-again-plain = คดีนี้อาจเป็นของบุคคลที่กลับบ้านผ่านการส่งมอบข้ามพรมแดนแล้วและปรากฏในบันทึกอีกครั้ง (คดีใหม่จากการคัดกรอง หรือการตรวจหาข้อมูลซ้ำ) เขาอาจถูกค้ามนุษย์ซ้ำ โปรดเปรียบเทียบบันทึก หากการส่งมอบยังเปิดอยู่ องค์กรผู้รับได้รับแจ้งผ่านการส่งมอบแล้ว
