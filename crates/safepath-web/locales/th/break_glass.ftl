# Machine-assisted translation, not yet reviewed by a native speaker.
nav-break-glass = เข้าถึงกรณีฉุกเฉิน
break-glass-intro = สำหรับกรณีฉุกเฉินเท่านั้น คุณจะอ่านบันทึกที่ปกติคุณไม่มีสิทธิ์ดู เหตุผลของคุณจะถูกปิดผนึกไว้ในประวัติการตรวจสอบ และผู้ประสานงานของกรณีจะได้รับแจ้งทันที
break-glass-reference = เลขอ้างอิงของกรณี (เช่น SP-2026-ABCD-EFGH)
break-glass-admins-only = เฉพาะผู้ดูแลระบบเท่านั้นที่เข้าถึงกรณีฉุกเฉินได้
