# Machine-assisted translation, not yet reviewed by a native speaker.
nav-break-glass = เข้าถึงกรณีฉุกเฉิน
break-glass-intro = สำหรับกรณีฉุกเฉินเท่านั้น คุณจะอ่านบันทึกที่ปกติคุณไม่มีสิทธิ์ดู เหตุผลของคุณจะถูกปิดผนึกไว้ในประวัติการตรวจสอบ และผู้ประสานงานของกรณีจะได้รับแจ้งทันที
break-glass-reference = เลขอ้างอิงของกรณี (เช่น SP-2026-ABCD-EFGH)
break-glass-admins-only = เฉพาะผู้ดูแลระบบเท่านั้นที่เข้าถึงกรณีฉุกเฉินได้
break-glass-error-reason_required = ระบุเหตุผลอย่างน้อย 15 ตัวอักษร (โดยไม่ใส่ชื่อของบุคคล)
break-glass-error-reference_required = กรอกเลขอ้างอิงของกรณี
break-glass-error-reference_unknown = ไม่มีกรณีที่ใช้เลขอ้างอิงนี้ โปรดตรวจสอบกับผู้ที่ให้เลขนี้แก่คุณ
